"""What the tills send: sales and returns, and the lines nobody could match yet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stores.models import PosDevice, Store
from stores.scoping import StoreScopedManager

from .catalogue import MONEY, QTY, Product


class SaleKind(models.TextChoices):
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")


class Sale(models.Model):
    """One receipt. ``(store, pos_sale_id)`` is unique: a replayed delivery finds the first
    and moves nothing. ``business_day`` is the store's local date of ``sold_at``."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    pos_sale_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=SaleKind.choices, default=SaleKind.SALE)
    original_sale = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns")
    device = models.ForeignKey(PosDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sold_at = models.DateTimeField()
    business_day = models.DateField()
    total = models.DecimalField(**MONEY)
    line_count = models.PositiveIntegerField(default=0)
    quarantined_lines = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "pos_sale_id"], name="sale_store_pos_id")]
        indexes = [models.Index(fields=["store", "business_day"], name="sale_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.pos_sale_id}"


class SaleLine(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY, help_text=_("Positive for a sale line and for a returned line"))
    unit_price = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    business_day = models.DateField()

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sale", "line_no"], name="saleline_sale_line")]
        indexes = [models.Index(fields=["store", "business_day", "product"], name="saleline_store_day_product")]


class Payment(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16)
    amount = models.DecimalField(**MONEY)


class QuarantineStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a product")
    POSTED = "posted", _("Mapped and posted")
    DISCARDED = "discarded", _("Discarded by head office")


class QuarantinedLine(models.Model):
    """A line whose SKU or barcode matched no product. Kept whole, posted when head
    office maps the code, so nothing a till sends is lost."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="quarantined")
    line_no = models.PositiveIntegerField()
    code = models.CharField(max_length=64, db_index=True)
    quantity = models.DecimalField(**QTY)
    unit_price = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    status = models.CharField(max_length=12, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sale", "line_no"], name="quarantine_sale_line")]
        indexes = [models.Index(fields=["status", "code"], name="quarantine_status_code")]
