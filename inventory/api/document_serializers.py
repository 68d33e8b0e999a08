"""Shapes of the store documents' API. Input serializers check the request's shape (types,
sizes, decimals); the business rules (signs, products on the document, transitions) are the
domain modules' (``inventory/adjustments.py``, ``counts.py``, ``transfers.py``, ``purchasing.py``)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from inventory.document_lines import MAX_LINES, LineInput
from inventory.models import AdjustmentReason, CountScope, MovementKind

QTY = {"max_digits": 10, "decimal_places": 3}
COST = {"max_digits": 12, "decimal_places": 4, "min_value": Decimal("0")}


class LineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="SKU or barcode")
    quantity = serializers.DecimalField(**QTY)
    unit_cost = serializers.DecimalField(**COST, required=False)


class LineAtLeastZeroIn(LineIn):
    quantity = serializers.DecimalField(**QTY, min_value=Decimal("0"))


def line_inputs(rows: list[dict] | None) -> list[LineInput] | None:
    if rows is None:
        return None
    return [LineInput(sku=row["sku"], quantity=row["quantity"], unit_cost=row.get("unit_cost")) for row in rows]


class AdjustmentIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=AdjustmentReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lines = LineIn(many=True, min_length=1, max_length=MAX_LINES, help_text="Signed quantities")


class CountOpenIn(serializers.Serializer):
    scope = serializers.ChoiceField(choices=CountScope.choices)
    category = serializers.IntegerField(required=False, min_value=1, help_text="For a category count")
    skus = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=MAX_LINES, help_text="For a list count"
    )
    blind = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ScanIn(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="SKU or barcode")
    quantity = serializers.DecimalField(
        **QTY, min_value=Decimal("0"), required=False, help_text="Sets the counted quantity; without it, one more"
    )


class CountPostIn(serializers.Serializer):
    zero_uncounted = serializers.BooleanField(default=False, help_text="Count products never scanned as zero")


class TransferIn(serializers.Serializer):
    to_store = serializers.CharField(max_length=16, required=False, help_text="This store sends to it")
    from_store = serializers.CharField(max_length=16, required=False, help_text="This store asks it for stock")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = LineIn(many=True, min_length=1, max_length=MAX_LINES)


class TransferQuantitiesIn(serializers.Serializer):
    lines = LineAtLeastZeroIn(many=True, required=False, max_length=MAX_LINES, help_text="Products not named: all")


class PurchaseOrderIn(serializers.Serializer):
    supplier = serializers.CharField(max_length=32, help_text="Supplier code")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = LineIn(many=True, min_length=1, max_length=MAX_LINES)


class ReceiveIn(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = LineIn(many=True, min_length=1, max_length=MAX_LINES)


class MovementFilterIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=MovementKind.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="Business day, inclusive")
    date_to = serializers.DateField(required=False, help_text="Business day, inclusive")

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["must not be before date_from"]})
        return attrs


class _Username(serializers.CharField):
    def to_representation(self, value) -> str | None:
        return value.get_username() if value is not None else None


def _person() -> _Username:
    return _Username(read_only=True, allow_null=True)


class AdjustmentLineOut(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class AdjustmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    note = serializers.CharField()
    created_by = _person()
    created_at = serializers.DateTimeField()
    lines = AdjustmentLineOut(many=True)


class CountLineOut(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    expected = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    counted = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    variance = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    counted_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("blind"):
            data.pop("expected")
            data.pop("variance")
        return data


class CountOut(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.CharField()
    category = serializers.IntegerField(source="category_id", allow_null=True)
    blind = serializers.BooleanField()
    status = serializers.CharField()
    note = serializers.CharField()
    created_by = _person()
    created_at = serializers.DateTimeField()
    posted_at = serializers.DateTimeField(allow_null=True)
    posted_by = _person()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    zero_uncounted = serializers.BooleanField()


class CountDetailOut(CountOut):
    lines = CountLineOut(many=True)


class TransferLineOut(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    requested = serializers.DecimalField(max_digits=12, decimal_places=3)
    shipped = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    received = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    discrepancy = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)


class TransferOut(serializers.Serializer):
    id = serializers.IntegerField()
    from_store = serializers.CharField(source="store.code")
    to_store = serializers.CharField(source="to_store.code")
    direction = serializers.SerializerMethodField()
    status = serializers.CharField()
    note = serializers.CharField()
    requested_by = _person()
    requested_at = serializers.DateTimeField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    shipped_by = _person()
    received_at = serializers.DateTimeField(allow_null=True)
    received_by = _person()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    lines = TransferLineOut(many=True)

    def get_direction(self, transfer) -> str:
        return "outgoing" if transfer.store_id == self.context["store"].pk else "incoming"


class PurchaseOrderLineOut(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4)
    received = serializers.DecimalField(max_digits=12, decimal_places=3)
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=3)
    over_received = serializers.DecimalField(max_digits=12, decimal_places=3)


class PurchaseOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.CharField(source="supplier.code")
    status = serializers.CharField()
    note = serializers.CharField()
    created_by = _person()
    created_at = serializers.DateTimeField()
    ordered_at = serializers.DateTimeField(allow_null=True)
    ordered_by = _person()
    expected_on = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    lines = PurchaseOrderLineOut(many=True)


class ReceiptLineOut(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4)


class ReceiptOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    received_by = _person()
    note = serializers.CharField()


class MovementOut(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    kind = serializers.CharField()
    reason = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    document_type = serializers.CharField()
    document_id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    business_day = serializers.DateField()
    user = _person()
