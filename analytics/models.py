"""Daily rollups: what dashboards, reports and the warehouse read instead of raw sales."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models.catalogue import MONEY, QTY
from stores.scoping import StoreScopedManager


def _reports_storage():
    """The storage named "reports" (resolved at use, so settings overrides apply)."""
    from django.core.files.storage import storages

    return storages["reports"]


class DailyRollup(models.Model):
    """One (store, product, business day). Rebuildable from sales and the ledger
    (``manage.py build_rollups``); kept current by ``analytics.rollups``.

    No single-column indexes on the foreign keys: the unique (store, product, day) and
    (store, day) / (day, store) indexes serve every read, and each extra index is paid on
    every one of the millions of rows written per night."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    units = models.DecimalField(**QTY, default=Decimal("0"))
    revenue = models.DecimalField(**MONEY, default=Decimal("0"))
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    returns_units = models.DecimalField(**QTY, default=Decimal("0"))
    returns_value = models.DecimalField(**MONEY, default=Decimal("0"))
    receipts_units = models.DecimalField(**QTY, default=Decimal("0"))
    shrinkage_units = models.DecimalField(**QTY, default=Decimal("0"))
    closing_on_hand = models.DecimalField(**QTY, null=True, blank=True)
    stockout = models.BooleanField(default=False, help_text="Out of stock at close (or all day)")

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "product", "day"], name="rollup_store_product_day")]
        indexes = [
            models.Index(fields=["store", "day"], name="rollup_store_day"),
            models.Index(fields=["day", "store"], name="rollup_day_store"),
        ]

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


class CategoryDayRollup(models.Model):
    """Sales of one (store, category, business day): the summary head-office questions
    ("sales by region, last 28 days vs the 28 before") read, so they scan stores x
    categories x days instead of stores x products x days. Rebuilt from ``DailyRollup``
    by ``analytics.rollups`` whenever that (store, day) is refreshed."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    category = models.ForeignKey("inventory.Category", on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    units = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    returns_units = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    returns_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    products_sold = models.PositiveIntegerField(default=0)

    objects = StoreScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "category"], name="catday_store_day_category"),
        ]
        indexes = [models.Index(fields=["day", "store"], name="catday_day_store")]


class StoreDayRollup(models.Model):
    """Sales of one (store, business day): what "by store", "by region" and "by day"
    questions read (stores x days rows, whatever the assortment). Rebuilt with
    :class:`CategoryDayRollup` whenever its (store, day) is refreshed."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    units = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    returns_units = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    returns_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    products_sold = models.PositiveIntegerField(default=0)

    objects = StoreScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="storeday_store_day")]
        indexes = [models.Index(fields=["day", "store"], name="storeday_day_store")]


class RollupWatermark(models.Model):
    """How far the periodic refresh has read the ledger (one row per name). ``position``
    is a movement id the next read starts after (lagging one run, so a transaction that
    committed late is still seen); ``seen`` the highest id the last run read; ``value``
    the time of the last run."""

    name = models.CharField(max_length=32, unique=True)
    value = models.DateTimeField()
    position = models.BigIntegerField(default=0)
    seen = models.BigIntegerField(default=0)


class ReportKind(models.TextChoices):
    SALES_BY_STORE = "sales_by_store", _("Sales by store")
    STOCK_LEVELS = "stock_levels", _("Stock levels")
    ABC = "abc", _("ABC classes by revenue")
    DEAD_STOCK = "dead_stock", _("Dead stock")


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ReportRequest(models.Model):
    """One report file someone asked for. ``scope`` is frozen at request time (the store
    ids the requester could see, narrowed by their filters), so a worker building it later
    never widens what the requester may read."""

    kind = models.CharField(max_length=24, choices=ReportKind.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices, default=ReportFormat.CSV)
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    percent = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.JSONField(default=dict, help_text=_("store_ids, date_from, date_to, filters"))
    file = models.FileField(storage=_reports_storage, max_length=300, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    schedule = models.ForeignKey(
        "analytics.ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_user_created"),
            models.Index(fields=["status", "expires_at"], name="report_status_expires"),
        ]


class ScheduleFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly (Mondays)")


class ReportSchedule(models.Model):
    """A report built on a schedule and mailed (as a link) to ``recipients``. ``owner``'s
    visibility bounds the scope; ``region``/``store`` narrow it."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=ReportKind.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices, default=ReportFormat.XLSX)
    frequency = models.CharField(max_length=8, choices=ScheduleFrequency.choices, default=ScheduleFrequency.WEEKLY)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("stores.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period_days = models.PositiveSmallIntegerField(default=7)
    recipients = models.JSONField(default=list, help_text=_("E-mail addresses"))
    is_active = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class WarehouseLoadStatus(models.TextChoices):
    EXPORTED = "exported", _("Files written")
    LOADED = "loaded", _("Loaded")
    FAILED = "failed", _("Failed")


class WarehouseLoad(models.Model):
    """One run of the warehouse pipeline for one day (the audit trail of the export)."""

    day = models.DateField()
    status = models.CharField(max_length=12, choices=WarehouseLoadStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    manifest_key = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["day", "-started_at"], name="warehouse_load_day")]


class StoreStockHealth(models.Model):
    """Stock of one store as of ``refreshed_at``: units on hand, products carried (in the
    assortment) and how many of them are out (on hand <= 0). Head-office pages read these
    120 rows instead of aggregating every stock level per request; ``analytics.stock_health``
    refreshes them with the rollups (every two minutes) and whenever a page finds them stale."""

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, related_name="+")
    on_hand = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal("0"))
    carried = models.PositiveIntegerField(default=0)
    out = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    objects = StoreScopedManager()
