"""Catalogue, imports, stock export and webhook routes."""

from django.urls import path

from . import catalogue as v

urlpatterns = [
    path("catalogue/products/", v.ProductList.as_view(), name="product-list"),
    path("catalogue/products/<int:pk>/", v.ProductDetail.as_view(), name="product-detail"),
    path("catalogue/products/<int:pk>/price-history/", v.PriceHistory.as_view(), name="product-price-history"),
    path("catalogue/products/<int:pk>/suppliers/", v.ProductTerms.as_view(), name="product-suppliers"),
    path("catalogue/categories/", v.CategoryList.as_view(), name="category-list"),
    path("catalogue/suppliers/", v.SupplierList.as_view(), name="supplier-list"),
    path("catalogue/suppliers/<int:pk>/", v.SupplierDetail.as_view(), name="supplier-detail"),
    path("catalogue/imports/", v.ImportList.as_view(), name="import-list"),
    path("catalogue/imports/<int:pk>/", v.ImportDetail.as_view(), name="import-detail"),
    path("stores/<str:store_code>/stock/export.csv", v.StockExport.as_view(), name="stock-export"),
    path("integrations/webhooks/", v.WebhookList.as_view(), name="webhook-list"),
    path("integrations/webhooks/<int:pk>/", v.WebhookDetail.as_view(), name="webhook-detail"),
    path("integrations/webhooks/<int:pk>/deliveries/", v.WebhookDeliveries.as_view(), name="webhook-deliveries"),
    path(
        "integrations/webhooks/deliveries/<int:pk>/replay/", v.WebhookReplay.as_view(), name="webhook-delivery-replay"
    ),
]
