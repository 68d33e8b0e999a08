"""Replenishment tables: the demand model per store-product, the settings it reads, what
the nightly run proposes (orders, transfers, alerts) and the record of each night's run.

The rules live in ``inventory/replenishment/`` (``engine.py`` writes these rows,
``suggestions.py`` turns them into purchase orders, ``settings.py`` resolves the
inheritance); these are only the tables.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stores.models import Region, Store
from stores.scoping import StoreScopedManager

from .catalogue import QTY, Product, Supplier
from .documents import PurchaseOrder, Transfer, TransferQuerySet

USER = settings.AUTH_USER_MODEL


class SettingsScope(models.TextChoices):
    COMPANY = "company", _("Company")
    REGION = "region", _("Region")
    STORE = "store", _("Store")


class ReplenishmentSettings(models.Model):
    """One level of the settings chain company -> region -> store (the product-at-store
    level lives on ``StockLevel``). A NULL field inherits from the level above, so each
    level only states what it changes; ``replenishment.settings`` resolves the chain and
    says where each value came from."""

    scope = models.CharField(max_length=8, choices=SettingsScope.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    service_level = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    review_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    min_qty = models.DecimalField(**QTY, null=True, blank=True)
    max_qty = models.DecimalField(**QTY, null=True, blank=True)
    round_to_case_pack = models.BooleanField(null=True, blank=True)
    transfer_surplus_days = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True,
        help_text=_("Days of cover a sender keeps above its order-up-to level before it offers stock"),
    )  # fmt: skip
    transfer_min_qty = models.DecimalField(**QTY, null=True, blank=True)
    transfer_lead_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "replenishment settings"
        constraints = [
            models.CheckConstraint(
                name="replsettings_scope_target",
                condition=(
                    Q(scope="company", region__isnull=True, store__isnull=True)
                    | Q(scope="region", region__isnull=False, store__isnull=True)
                    | Q(scope="store", region__isnull=True, store__isnull=False)
                ),
            ),
            models.UniqueConstraint(fields=["scope"], condition=Q(scope="company"), name="replsettings_one_company"),
            models.UniqueConstraint(fields=["region"], name="replsettings_one_per_region"),
            models.UniqueConstraint(fields=["store"], name="replsettings_one_per_store"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.store or self.region or ''}".strip()


class DemandState(models.Model):
    """The demand model of one (store, product), in the maths core's layout
    (``replenishment.forecast.DemandState``): smoothed level, error variance, day-of-week
    factors (Monday = ``dow0``), days learned. ``last_day`` is the last business day folded
    in, so folding the same day twice is a no-op."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    level = models.FloatField()
    variance = models.FloatField()
    dow0 = models.FloatField(default=1.0)
    dow1 = models.FloatField(default=1.0)
    dow2 = models.FloatField(default=1.0)
    dow3 = models.FloatField(default=1.0)
    dow4 = models.FloatField(default=1.0)
    dow5 = models.FloatField(default=1.0)
    dow6 = models.FloatField(default=1.0)
    days_observed = models.IntegerField(default=0)
    last_day = models.DateField(null=True, blank=True)
    started_from = models.CharField(max_length=16, blank=True, help_text=_("history, like_item or prior"))

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "product"], name="demandstate_store_product")]


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Suggestion(models.Model):
    """One proposed order line of one night, with every number that produced it and the
    sentence a manager reads. A re-run of the night replaces the proposed rows of that
    (store, business_day); approved and rejected rows stay."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    business_day = models.DateField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED)
    quantity = models.DecimalField(**QTY)
    suggested_quantity = models.DecimalField(**QTY, help_text=_("What the engine proposed, before any edit"))
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    demand_per_day = models.FloatField()
    demand_sd = models.FloatField()
    lead_time_days = models.FloatField()
    lead_time_sd_days = models.FloatField()
    review_days = models.FloatField()
    service_level = models.FloatField()
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    order_up_to = models.FloatField()
    on_hand = models.FloatField()
    on_order = models.FloatField()
    in_transit = models.FloatField()
    case_pack = models.IntegerField(default=1)
    sources = models.JSONField(default=dict, help_text=_("Where each setting came from"))
    transfer_quantity = models.DecimalField(
        **QTY, default=Decimal("0"), help_text=_("Covered by a suggested transfer instead of the order")
    )
    top_up = models.BooleanField(default=False, help_text=_("Added to reach the supplier's minimum or free freight"))
    reason = models.TextField()
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "business_day", "product"], name="suggestion_store_day_product")
        ]
        indexes = [models.Index(fields=["store", "status", "business_day"], name="suggestion_store_status")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id} {self.quantity} on {self.business_day}"


class SuggestionRejection(models.Model):
    """The last rejection of a product at a store: the engine does not propose it again at
    the same or a lower quantity while the stock position has not dropped below what the
    manager saw (``replenishment.suggestions.REJECTION_RULE``)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(**QTY)
    position = models.DecimalField(**QTY, help_text=_("On hand + on order + in transit when rejected"))
    reason = models.CharField(max_length=300)
    business_day = models.DateField()
    rejected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rejected_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "product"], name="rejection_store_product")]


class TransferSuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class TransferSuggestion(models.Model):
    """Move stock from ``store`` (the sender, the tenant column) to ``to_store`` instead of
    ordering it. Either end may see it, like a :class:`Transfer`."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    business_day = models.DateField()
    quantity = models.DecimalField(**QTY)
    status = models.CharField(
        max_length=10, choices=TransferSuggestionStatus.choices, default=TransferSuggestionStatus.PROPOSED
    )
    sender_surplus = models.FloatField()
    receiver_shortfall = models.FloatField()
    reason = models.TextField()
    transfer = models.ForeignKey(Transfer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(TransferQuerySet)()  # for_store(): either end

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "to_store", "product", "business_day"], name="transfersugg_unique"
            ),
        ]
        indexes = [models.Index(fields=["to_store", "business_day"], name="transfersugg_to_day")]


class ProjectedSurplus(models.Model):
    """What a store holds above its order-up-to level plus its transfer cover
    (``transfer_surplus_days`` of demand) after its nightly run: the senders' side of the
    region's transfer suggestions. Written by the store's run from the arrays it already
    has, so the region's last store reads one table instead of recomputing every sibling's
    policy. Only rows of at least one unit are kept; a store keeps only its latest night.

    A derived, disposable snapshot of about a million rows a night: no database foreign keys
    (their deferred checks doubled the store's commit) and no index beyond the unique key;
    Django's collector still cascades a deleted store or product."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    business_day = models.DateField()
    quantity = models.FloatField()

    objects = StoreScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "business_day", "product"], name="surplus_store_day_product")
        ]


class AlertKind(models.TextChoices):
    LOW = "low", _("Low stock")
    NEGATIVE = "negative", _("Negative stock")


class Alert(models.Model):
    """A stock condition of one (store, product). One open row per fingerprint; it is
    closed (``cleared_on``) when the condition goes, and a new row opens if it comes back,
    so the digest mails each occurrence once (``notified_at``)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    fingerprint = models.CharField(max_length=64)
    on_hand = models.DecimalField(**QTY)
    message = models.CharField(max_length=300)
    first_seen_on = models.DateField()
    last_seen_on = models.DateField()
    cleared_on = models.DateField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "fingerprint"], condition=Q(cleared_on__isnull=True), name="alert_one_open"
            ),
        ]
        indexes = [models.Index(fields=["store", "cleared_on"], name="alert_store_open")]


class PipelineStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PipelineRun(models.Model):
    """The nightly run of one store for one business day: when, what it wrote, the error.
    One row per (store, business_day); a re-run updates it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    business_day = models.DateField()
    status = models.CharField(max_length=8, choices=PipelineStatus.choices, default=PipelineStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    transfers_done_at = models.DateTimeField(null=True, blank=True)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "business_day"], name="pipelinerun_store_day")]
        indexes = [models.Index(fields=["business_day", "status"], name="pipelinerun_day_status")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.business_day} {self.status}"
