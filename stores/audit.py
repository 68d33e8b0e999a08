"""The audit log: one call per sensitive change (catalogue, prices, stock adjustments,
roles, device credentials), in the same transaction as the change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from retail.logging import request_context

from .models import AuditEvent, Store


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """JSON-safe values of ``fields`` (decimals and dates as strings, relations as ids)."""
    data = {}
    for name in fields:
        value = getattr(instance, f"{name}_id" if _is_relation(instance, name) else name)
        if isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        data[name] = value
    return data


def _is_relation(instance: models.Model, name: str) -> bool:
    field = instance._meta.get_field(name)
    return field.is_relation and field.many_to_one


def record(
    *,
    actor,
    action: str,
    obj: models.Model,
    store: Store | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "pk", None) else None
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after[k] for k in sorted(changed)}
    context = request_context.get() or {}
    return AuditEvent.objects.create(
        actor=user,
        actor_label=str(getattr(actor, "username", None) or actor or "system")[:160],
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        store=store,
        before=before,
        after=after,
        request_id=context.get("request_id", ""),
    )
