"""Store documents that move stock: adjustments, counts, transfers, purchase orders.

Each is posted by its module in ``inventory/`` (``adjustments.py``, ``counts.py``,
``transfers.py``, ``purchasing.py``) through ``inventory.ledger`` in one transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stores.models import Store
from stores.scoping import StoreScopedManager, StoreScopedQuerySet

from .catalogue import QTY, Category, Product, Supplier

USER = settings.AUTH_USER_MODEL


class AdjustmentReason(models.TextChoices):
    DAMAGE = "damage", _("Damaged")
    THEFT = "theft", _("Theft")
    EXPIRY = "expiry", _("Expired")
    FOUND = "found", _("Found")
    OTHER = "other", _("Other")


class Adjustment(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=AdjustmentReason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedManager()

    class Meta:
        indexes = [models.Index(fields=["store", "created_at"], name="adjustment_store_time")]


class AdjustmentLine(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    adjustment = models.ForeignKey(Adjustment, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY, help_text=_("Signed: negative removes stock"))


class CountScope(models.TextChoices):
    STORE = "store", _("Whole store")
    CATEGORY = "category", _("A category")
    LIST = "list", _("A list of products")


class CountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=12, choices=CountScope.choices)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    blind = models.BooleanField(default=False, help_text=_("Counters do not see the expected quantity"))
    status = models.CharField(max_length=12, choices=CountStatus.choices, default=CountStatus.OPEN)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    zero_uncounted = models.BooleanField(
        default=False, help_text=_("Posted with products never scanned counted as zero")
    )

    objects = StoreScopedManager()

    class Meta:
        indexes = [models.Index(fields=["store", "status"], name="count_store_status")]


class StockCountLine(models.Model):
    """``expected`` is on-hand when the line was first counted; posting moves stock by
    ``counted - expected``, so sales between the scan and the posting stay counted."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    expected = models.DecimalField(**QTY, null=True, blank=True)
    counted = models.DecimalField(**QTY, null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["count", "product"], name="countline_count_product")]

    @property
    def variance(self) -> Decimal | None:
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(StoreScopedQuerySet):
    """A transfer (or a transfer suggestion) belongs to both ends: either store may see it."""

    def for_store(self, store: Store) -> TransferQuerySet:
        return self.filter(models.Q(store=store) | models.Q(to_store=store))

    def visible_to(self, user) -> TransferQuerySet:
        from stores.access import stores_visible_to

        visible = stores_visible_to(user)
        return self.filter(models.Q(store__in=visible) | models.Q(to_store__in=visible))


class Transfer(models.Model):
    """``store`` is the sending store (the tenant column); ``to_store`` receives."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    note = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager.from_queryset(TransferQuerySet)()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(store=models.F("to_store")), name="transfer_two_stores")
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="transfer_from_status"),
            models.Index(fields=["to_store", "status"], name="transfer_to_status"),
        ]


class TransferLine(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    requested = models.DecimalField(**QTY)
    shipped = models.DecimalField(**QTY, null=True, blank=True)
    received = models.DecimalField(**QTY, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["transfer", "product"], name="transferline_unique")]

    @property
    def discrepancy(self) -> Decimal | None:
        if self.shipped is None or self.received is None:
            return None
        return self.received - self.shipped


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORDERED = "ordered", _("Ordered")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    ordered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expected_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("When it was fully received or cancelled"))
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = StoreScopedManager()

    class Meta:
        indexes = [models.Index(fields=["store", "status"], name="po_store_status")]

    def __str__(self) -> str:
        return f"PO-{self.pk}"


class PurchaseOrderLine(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4)
    received = models.DecimalField(**QTY, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="poline_unique")]

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.received, Decimal("0"))

    @property
    def over_received(self) -> Decimal:
        """Received beyond the ordered quantity (allowed, and flagged)."""
        return max(self.received - self.quantity, Decimal("0"))


class Receipt(models.Model):
    """Goods in against a purchase order (one per delivery; partial deliveries allowed)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    received_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    objects = StoreScopedManager()


class ReceiptLine(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4)
