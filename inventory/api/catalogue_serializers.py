"""Shapes of the catalogue, supplier, import and webhook payloads. They parse types and
ranges; the rules (barcodes, uniqueness, price history) are ``inventory.catalogue``'s."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from inventory import catalogue
from inventory.models import (
    Category,
    ImportJob,
    PriceChange,
    Product,
    ProductSupplier,
    Supplier,
    TaxClass,
    Unit,
    WebhookDelivery,
    WebhookEndpoint,
)
from inventory.outbox import TOPICS

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
DAYS = {"max_digits": 5, "decimal_places": 1, "min_value": Decimal("0")}


class TermsOut(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code")
    supplier_name = serializers.CharField(source="supplier.name")

    class Meta:
        model = ProductSupplier
        fields = ["supplier", "supplier_name", "supplier_sku", "cost", "case_pack", "lead_time_days", "is_primary"]


class ProductOut(serializers.ModelSerializer):
    """Reads ``barcodes`` and ``supplier_terms`` from prefetches and ``category_path``
    from the view's label map (``context["category_labels"]``)."""

    category_path = serializers.SerializerMethodField()
    barcodes = serializers.SerializerMethodField()
    suppliers = TermsOut(source="supplier_terms", many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "category_path",
            "unit",
            "case_pack",
            "cost",
            "price",
            "tax_class",
            "like_product",
            "is_active",
            "barcodes",
            "suppliers",
            "created_at",
        ]

    def get_category_path(self, product: Product) -> str:
        return self.context.get("category_labels", {}).get(product.category_id, "")

    def get_barcodes(self, product: Product) -> list[str]:
        return sorted(b.code for b in product.barcodes.all())


class ProductIn(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.EACH)
    case_pack = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    cost = serializers.DecimalField(**MONEY)
    price = serializers.DecimalField(**MONEY)
    tax_class = serializers.ChoiceField(choices=TaxClass.choices, default=TaxClass.STANDARD)
    like_product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    is_active = serializers.BooleanField(default=True)
    barcodes = serializers.ListField(child=serializers.CharField(max_length=14), required=False, max_length=50)


class PriceChangeOut(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None)

    class Meta:
        model = PriceChange
        fields = ["id", "cost", "price", "changed_at", "changed_by"]


class CategoryOut(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    depth = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "path", "label", "depth"]

    def get_label(self, category: Category) -> str:
        return self.context.get("category_labels", {}).get(category.pk, category.name)

    def get_depth(self, category: Category) -> int:
        return category.path.count("/")


class CategoryIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    parent = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)


class SupplierSerializer(serializers.ModelSerializer):
    """In and out: the code is unique (checked by ``catalogue.save_supplier``)."""

    lead_time_days = serializers.DecimalField(**DAYS, required=False)
    lead_time_sd_days = serializers.DecimalField(**DAYS, required=False)
    min_order_value = serializers.DecimalField(**MONEY, required=False)
    free_freight_value = serializers.DecimalField(**MONEY, required=False)

    class Meta:
        model = Supplier
        fields = ["id", *catalogue.SUPPLIER_FIELDS]  # the fields catalogue.save_supplier writes
        read_only_fields = ["id"]
        extra_kwargs = {"code": {"validators": []}}


class TermsIn(serializers.Serializer):
    supplier = serializers.SlugRelatedField(slug_field="code", queryset=Supplier.objects.all())
    supplier_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    cost = serializers.DecimalField(**MONEY)
    case_pack = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    lead_time_days = serializers.DecimalField(**DAYS, required=False, allow_null=True, default=None)
    is_primary = serializers.BooleanField(default=True)


class ImportJobOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "errors",
            "summary",
            "created_by",
            "created_at",
            "finished_at",
        ]


class WebhookEndpointOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "description", "created_at"]


class WebhookEndpointIn(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=TOPICS), default=list, max_length=20)
    secret = serializers.CharField(min_length=16, max_length=128, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(default=True)

    def validate_url(self, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("an http(s) URL")
        return value


class WebhookDeliveryOut(serializers.ModelSerializer):
    topic = serializers.CharField(source="event.topic")
    event_id = serializers.IntegerField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "topic",
            "status",
            "attempts",
            "response_status",
            "error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
