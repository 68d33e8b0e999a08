from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("analytics/reports/download/<str:token>/", views.download, name="report-download"),
]
