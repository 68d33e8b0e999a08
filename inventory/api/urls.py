"""Inventory API routes, one module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("inventory.api.pos_urls")),
    path("", include("inventory.api.documents_urls")),
    path("", include("inventory.api.catalogue_urls")),
    path("", include("inventory.api.replenishment_urls")),
]
