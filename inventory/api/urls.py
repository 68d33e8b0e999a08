"""Inventory API routes, one module per area, under the ``inventory-api`` namespace (so
their names never shadow the store pages', e.g. ``suggestion-list``)."""

from django.urls import include, path

app_name = "inventory-api"

urlpatterns = [
    path("", include("inventory.api.pos_urls")),
    path("", include("inventory.api.documents_urls")),
    path("", include("inventory.api.catalogue_urls")),
    path("", include("inventory.api.replenishment_urls")),
]
