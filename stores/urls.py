from django.urls import path

from . import device_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("stores/", views.switch_store, name="switch-store"),
    path("s/<str:store_code>/devices/", device_pages.device_list, name="device-page-list"),
    path("s/<str:store_code>/devices/<int:pk>/revoke/", device_pages.device_revoke, name="device-page-revoke"),
]
