from django.urls import path

from . import twofactor_views

urlpatterns = [
    path("account/2fa/setup/", twofactor_views.setup, name="2fa-setup"),
    path("account/2fa/verify/", twofactor_views.verify, name="2fa-verify"),
]
