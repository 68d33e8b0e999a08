"""Per-store stock: the append-only ledger and the level it keeps."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stores.models import Store
from stores.scoping import StoreScopedManager, StoreScopedQuerySet

from .catalogue import QTY, Product


class StockLevel(models.Model):
    """The counters for one (store, product). Changed only by ``inventory.ledger`` through
    ``UPDATE ... SET on_hand = on_hand + delta`` in the movement's transaction."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.DecimalField(**QTY, default=Decimal("0"))
    on_order = models.DecimalField(**QTY, default=Decimal("0"))
    in_transit = models.DecimalField(**QTY, default=Decimal("0"), help_text=_("Shipped to this store, not received"))
    # Reorder settings at product-at-store level; NULL inherits from store/region/company.
    min_qty = models.DecimalField(**QTY, null=True, blank=True)
    max_qty = models.DecimalField(**QTY, null=True, blank=True)
    service_level = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    in_assortment = models.BooleanField(default=True)
    needs_count = models.BooleanField(default=False, help_text=_("Set when on hand went negative"))
    last_sale_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "product"], name="stocklevel_store_product")]
        indexes = [models.Index(fields=["store", "on_hand"], name="stocklevel_store_onhand")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id}: {self.on_hand}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Customer return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Count correction")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    SHRINKAGE = "shrinkage", _("Shrinkage")
    OPENING = "opening", _("Opening balance")


class AppendOnlyQuerySet(StoreScopedQuerySet):
    def update(self, **kwargs):
        raise TypeError("stock movements are append-only: post a correcting movement instead")

    def delete(self):
        raise TypeError("stock movements are append-only: post a correcting movement instead")


class StockMovement(models.Model):
    """One signed change of on-hand. Never updated, never deleted (on PostgreSQL a
    trigger refuses it too): a mistake is corrected by another movement."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    reason = models.CharField(max_length=32, blank=True)
    document_type = models.CharField(max_length=24)
    document_id = models.BigIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey("stores.PosDevice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    business_day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        indexes = [
            models.Index(fields=["store", "product", "occurred_at"], name="movement_store_product_time"),
            models.Index(fields=["store", "business_day"], name="movement_store_day"),
            models.Index(fields=["document_type", "document_id"], name="movement_document"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} of {self.product_id} at {self.store_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock movements are append-only")
