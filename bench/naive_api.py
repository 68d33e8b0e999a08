"""The naive baseline of ``bench/ingest.py``: a plain DRF ModelViewSet with default
ModelSerializers, one sale line per request, stock changed by read-modify-write.

Not part of the product: served only by the benchmark (``bench.naive_settings``).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from inventory.models import SaleLine, StockLevel


class SaleLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SaleLine
        fields = "__all__"


class SaleLineViewSet(viewsets.ModelViewSet):
    queryset = SaleLine.objects.all()
    serializer_class = SaleLineSerializer

    def perform_create(self, serializer):
        with transaction.atomic():
            line = serializer.save()
            level = StockLevel.objects.get(store=line.store, product=line.product)
            level.on_hand -= line.quantity
            level.save()


router = routers.DefaultRouter()
router.register("naive/sale-lines", SaleLineViewSet)

urlpatterns = [path("api/v1/", include(router.urls)), path("", include("retail.urls"))]
