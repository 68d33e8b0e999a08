"""Head-office pages under ``/office/`` (namespace ``office``)."""

from django.urls import path

from inventory.pages import imports

from . import pages

app_name = "office"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("stores/", pages.store_comparison, name="stores"),
    path("reports/", pages.report_list, name="reports"),
    path("reports/<int:pk>/status/", pages.report_status, name="report-status"),
    path("imports/", imports.import_page, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
]
