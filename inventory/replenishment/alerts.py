"""Low and negative stock alerts per store, in the app and as a daily email digest.

Conditions (from the nightly arrays): **negative** when on hand is below zero (a count is
due); **low** when on hand is at or below the safety stock of an item that sells and is in
the assortment. Each (store, product, condition) has a fingerprint with at most one open
alert; an unchanged condition only moves ``last_seen_on``, a gone one is closed, and one
that comes back opens a new alert. The digest mails open alerts not yet mailed, so the
same condition is never sent twice.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from inventory.models import Alert, AlertKind, Product
from stores.models import Membership, Role, Scope, Store

from .engine import Plan


def fingerprint(product_id: int, kind: str) -> str:
    return f"{product_id}:{kind}"


def conditions(p: Plan) -> dict[str, tuple[int, str, float, str]]:
    """fingerprint -> (product id, kind, on hand, message) for the store's current conditions."""
    a, r = p.arrays, p.result
    negative = a.on_hand < 0
    low = ~negative & a.in_assortment & (p.demand > 0) & (a.on_hand <= r.safety_stock)
    found = {}
    for row in np.flatnonzero(negative).tolist():
        found[fingerprint(int(a.product_id[row]), AlertKind.NEGATIVE)] = (
            int(a.product_id[row]),
            AlertKind.NEGATIVE,
            float(a.on_hand[row]),
            f"on hand is {a.on_hand[row]:g}: count it",
        )
    for row in np.flatnonzero(low).tolist():
        found[fingerprint(int(a.product_id[row]), AlertKind.LOW)] = (
            int(a.product_id[row]),
            AlertKind.LOW,
            float(a.on_hand[row]),
            f"on hand {a.on_hand[row]:g} is at or below safety stock {r.safety_stock[row]:.1f} "
            f"(sells {p.demand[row]:.1f}/day)",
        )
    return found


@transaction.atomic
def refresh_alerts(*, store: Store, day: date, p: Plan) -> dict[str, int]:
    """Open, keep or close the store's alerts for ``day``. Idempotent for the same day."""
    current = conditions(p)
    open_rows = dict(Alert.objects.for_store(store).filter(cleared_on__isnull=True).values_list("fingerprint", "id"))
    gone = [alert_id for fp, alert_id in open_rows.items() if fp not in current]
    kept = [alert_id for fp, alert_id in open_rows.items() if fp in current]
    if gone:
        Alert.objects.filter(id__in=gone).update(cleared_on=day)
    if kept:
        Alert.objects.filter(id__in=kept).update(last_seen_on=day)
    new = [
        Alert(
            store=store,
            product_id=pid,
            kind=kind,
            fingerprint=fp,
            on_hand=round(on_hand, 3),
            message=message,
            first_seen_on=day,
            last_seen_on=day,
        )
        for fp, (pid, kind, on_hand, message) in current.items()
        if fp not in open_rows
    ]
    Alert.objects.bulk_create(new, batch_size=1000)
    return {"alerts_opened": len(new), "alerts_open": len(current), "alerts_cleared": len(gone)}


def recipients(store: Store) -> list[str]:
    """The store's managers (store-scoped memberships) with an email address."""
    emails = Membership.objects.filter(
        role=Role.STORE_MANAGER, scope=Scope.STORE, store=store, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({e for e in emails if e})


@transaction.atomic
def send_digest(*, store: Store, day: date) -> int:
    """Mail the store's managers every open alert not mailed yet, in one message, and mark
    them mailed. Returns how many alerts went out (0: nothing new, or nobody to tell)."""
    pending = list(
        Alert.objects.for_store(store)
        .select_for_update()
        .filter(cleared_on__isnull=True, notified_at__isnull=True)
        .order_by("kind", "product_id")
    )
    to = recipients(store)
    if not pending or not to:
        return 0
    names = dict(Product.objects.filter(id__in=[a.product_id for a in pending]).values_list("id", "sku"))
    lines = [f"- {dict(AlertKind.choices)[a.kind]}: {names[a.product_id]} — {a.message}" for a in pending]
    send_mail(
        subject=f"[{store.code}] {len(pending)} stock alert{'s' if len(pending) != 1 else ''} for {day.isoformat()}",
        message=f"Stock alerts at {store.code} {store.name} after {day.isoformat()}:\n\n" + "\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=to,
    )
    Alert.objects.filter(id__in=[a.id for a in pending]).update(notified_at=timezone.now())
    return len(pending)
