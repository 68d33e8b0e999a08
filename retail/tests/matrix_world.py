"""Objects the isolation matrix points detail routes at: one builder per ``matrix_object``.

A view that declares ``matrix_object = "x"`` needs ``BUILDERS["x"]``: a function that
makes one such object owned by the given store. Add yours here when you add a route.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from inventory.models import (
    Adjustment,
    AdjustmentReason,
    PurchaseOrder,
    Sale,
    StockCount,
    Transfer,
)
from stores.credentials import issue_device
from stores.models import Store


def _sale(store: Store, ctx: dict) -> Sale:
    now = timezone.now() - timedelta(minutes=1)
    return Sale.objects.create(
        store=store,
        pos_sale_id=f"M-{store.code}",
        sold_at=now,
        business_day=store.business_day(now),
        total=Decimal("1.00"),
        line_count=0,
    )


def _device(store: Store, ctx: dict):
    return issue_device(store=store, name=f"matrix-{store.code}").credential


def _adjustment(store: Store, ctx: dict) -> Adjustment:
    return Adjustment.objects.create(store=store, reason=AdjustmentReason.DAMAGE)


def _count(store: Store, ctx: dict) -> StockCount:
    return StockCount.objects.create(store=store, scope="list")


def _transfer(store: Store, ctx: dict) -> Transfer:
    to_store = ctx["sibling_store"] if store != ctx["sibling_store"] else ctx["store"]
    if store == ctx["other_store"]:
        to_store = ctx["other_sibling"]
    return Transfer.objects.create(store=store, to_store=to_store)


def _purchase_order(store: Store, ctx: dict) -> PurchaseOrder:
    return PurchaseOrder.objects.create(store=store, supplier=ctx["supplier"])


def _report_request(store: Store, ctx: dict, owner=None):
    """Owned by one person: anyone else gets 404 (a builder with ``owner`` marks that)."""
    from analytics.models import ReportRequest

    return ReportRequest.objects.create(kind="sales_by_store", requested_by=owner, scope={"store_ids": [store.pk]})


def _suggestion(store: Store, ctx: dict):
    from inventory.models import Suggestion

    return Suggestion.objects.create(
        store=store, business_day=store.business_day(), product=ctx["product"], supplier=ctx["supplier"],
        quantity=Decimal("6"), suggested_quantity=Decimal("6"), demand_per_day=1, demand_sd=1, lead_time_days=5,
        lead_time_sd_days=1, review_days=1, service_level=0.95, safety_stock=1, reorder_point=7, order_up_to=8,
        on_hand=1, on_order=0, in_transit=0, case_pack=6, reason="matrix",
    )  # fmt: skip


def _transfer_suggestion(store: Store, ctx: dict):
    """Sent by ``store`` to a store of its region (either end may answer it)."""
    from inventory.models import TransferSuggestion

    to_store = _transfer(store, ctx).to_store
    return TransferSuggestion.objects.create(
        store=store, to_store=to_store, product=ctx["product"], business_day=store.business_day(),
        quantity=Decimal("2"), sender_surplus=5, receiver_shortfall=2, reason="matrix",
    )  # fmt: skip


def _product(store: Store, ctx: dict):
    return ctx["product"]


def _supplier(store: Store, ctx: dict):
    return ctx["supplier"]


def _import_job(store: Store, ctx: dict):
    from inventory.models import ImportJob

    return ImportJob.objects.create(kind="products", file="imports/matrix.csv", status="done")


def _webhook_endpoint(store: Store, ctx: dict):
    from inventory.models import WebhookEndpoint

    # Port 9 (discard) refuses at once: a replay in the matrix never waits on a network.
    return WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", secret="matrix-secret-0123456789")


def _webhook_delivery(store: Store, ctx: dict):
    from inventory.models import OutboxEvent, WebhookDelivery

    event = OutboxEvent.objects.create(topic="sale.posted", store=store, payload={})
    return WebhookDelivery.objects.create(endpoint=_webhook_endpoint(store, ctx), event=event)


BUILDERS: dict[str, Callable[..., object]] = {
    "product": _product,
    "supplier": _supplier,
    "import_job": _import_job,
    "webhook_endpoint": _webhook_endpoint,
    "webhook_delivery": _webhook_delivery,
    "report_request": _report_request,
    "sale": _sale,
    "device": _device,
    "adjustment": _adjustment,
    "count": _count,
    "transfer": _transfer,
    "purchase_order": _purchase_order,
    "suggestion": _suggestion,
    "transfer_suggestion": _transfer_suggestion,
}
