"""Head-office pages under ``/office/`` (namespace ``office``)."""

from django.urls import path

from inventory.pages import catalogue, imports

from . import pages

app_name = "office"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("stores/", pages.store_comparison, name="stores"),
    path("reports/", pages.report_list, name="reports"),
    path("reports/<int:pk>/status/", pages.report_status, name="report-status"),
    path("catalogue/", catalogue.product_list, name="catalogue"),
    path("catalogue/products/new/", catalogue.product_edit, name="product-new"),
    path("catalogue/products/<int:pk>/", catalogue.product_edit, name="product-edit"),
    path("catalogue/suppliers/", catalogue.supplier_list, name="suppliers"),
    path("catalogue/suppliers/new/", catalogue.supplier_edit, name="supplier-new"),
    path("catalogue/suppliers/<int:pk>/", catalogue.supplier_edit, name="supplier-edit"),
    path("imports/", imports.import_page, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
]
