"""Schema of the POS payloads (OpenAPI). Validation itself is ``inventory.sale_input``,
which enforces the same rules on the hot path; tests hold the two together."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from inventory.models import StockLevel


class SaleLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, help_text="Give sku or barcode, not both")
    barcode = serializers.CharField(max_length=64, required=False)
    quantity = serializers.DecimalField(max_digits=9, decimal_places=3, min_value=Decimal("0.001"), max_value=100000)
    unit_price = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, max_value=1000000)
    discount = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, required=False)


class PaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card", "voucher", "mobile", "other"])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class SaleIn(serializers.Serializer):
    pos_sale_id = serializers.CharField(max_length=64, help_text="The till's own id; unique per store")
    kind = serializers.ChoiceField(choices=["sale", "return"], default="sale")
    sold_at = serializers.DateTimeField(help_text="ISO 8601 with UTC offset")
    original_pos_sale_id = serializers.CharField(max_length=64, required=False, help_text="Returns only")
    lines = SaleLineIn(many=True, min_length=1, max_length=500)
    payments = PaymentIn(many=True, required=False, max_length=20)


class SaleBatchIn(serializers.Serializer):
    sales = SaleIn(many=True, min_length=1, max_length=500)


class ErrorItem(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class SaleResultOut(serializers.Serializer):
    pos_sale_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    sale_id = serializers.IntegerField(required=False, allow_null=True)
    business_day = serializers.DateField(required=False, allow_null=True)
    lines = serializers.IntegerField(required=False)
    quarantined_lines = serializers.IntegerField(required=False)
    errors = ErrorItem(many=True, required=False)


class BatchResultOut(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    error = serializers.IntegerField()
    results = SaleResultOut(many=True)


class SaleLineOut(serializers.Serializer):
    line_no = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)


class SaleOut(serializers.Serializer):
    id = serializers.IntegerField()
    pos_sale_id = serializers.CharField()
    kind = serializers.CharField()
    sold_at = serializers.DateTimeField()
    business_day = serializers.DateField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_count = serializers.IntegerField()
    quarantined_lines = serializers.IntegerField()
    lines = SaleLineOut(many=True, read_only=True)


class StockLevelOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")

    class Meta:
        model = StockLevel
        fields = ["sku", "name", "on_hand", "on_order", "in_transit", "min_qty", "max_qty", "in_assortment",
                  "needs_count", "last_sale_at", "updated_at"]  # fmt: skip


class StockElsewhereOut(serializers.Serializer):
    store = serializers.CharField()
    name = serializers.CharField()
    on_hand = serializers.DecimalField(max_digits=12, decimal_places=3)
    in_transit = serializers.DecimalField(max_digits=12, decimal_places=3)


class StockLookupOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    here = StockLevelOut(allow_null=True)
    elsewhere = StockElsewhereOut(many=True)


class QuarantinedLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.CharField(source="store.code")
    pos_sale_id = serializers.CharField(source="sale.pos_sale_id")
    line_no = serializers.IntegerField()
    code = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.CharField()
    sold_at = serializers.DateTimeField(source="sale.sold_at")


class QuarantineResolveIn(serializers.Serializer):
    line_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)
    sku = serializers.CharField(max_length=40)
