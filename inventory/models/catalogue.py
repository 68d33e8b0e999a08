"""The catalogue (head office owns it; a reference table shared by every store)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.barcodes import validate_gtin

QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}


class Category(models.Model):
    """A node of the category tree. ``path`` ("12/40/77/") makes a subtree one prefix query."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path is structure, not a business rule: it must follow the parent.
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent_id else ''}{self.pk}/"
        if path != self.path:
            self.path = path
            Category.objects.filter(pk=self.pk).update(path=path)


class Supplier(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    lead_time_days = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("7"))
    lead_time_sd_days = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("1"))
    min_order_value = models.DecimalField(**MONEY, default=Decimal("0"))
    free_freight_value = models.DecimalField(**MONEY, default=Decimal("0"))
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(models.TextChoices):
    EACH = "each", _("each")
    KG = "kg", _("kilogram")
    LITRE = "l", _("litre")
    METRE = "m", _("metre")


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("Standard")
    REDUCED = "reduced", _("Reduced")
    ZERO = "zero", _("Zero-rated")
    EXEMPT = "exempt", _("Exempt")


class Product(models.Model):
    sku = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.EACH)
    case_pack = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    tax_class = models.CharField(max_length=16, choices=TaxClass.choices, default=TaxClass.STANDARD)
    like_product = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("A similar item whose demand a new product starts from"),
    )  # fmt: skip
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku"]
        indexes = [models.Index(fields=["category", "sku"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Barcode(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(max_length=14, unique=True, validators=[validate_gtin])

    def __str__(self) -> str:
        return self.code


class ProductSupplier(models.Model):
    """A supplier's terms for one product; the primary one is ordered from by default."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="supplier_terms")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="product_terms")
    supplier_sku = models.CharField(max_length=40, blank=True)
    cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    case_pack = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    lead_time_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    is_primary = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "supplier"], name="product_supplier_unique"),
            models.UniqueConstraint(
                fields=["product"], condition=models.Q(is_primary=True), name="product_one_primary_supplier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} from {self.supplier.code}"


class PriceChange(models.Model):
    """History of cost and price: appended by ``catalogue.set_price``, never edited."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_changes")
    cost = models.DecimalField(**MONEY)
    price = models.DecimalField(**MONEY)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-changed_at"]
