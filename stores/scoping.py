"""Tenant scoping for every store-owned table: one queryset, closed by default."""

from __future__ import annotations

from django.db import models

from .access import stores_visible_to
from .models import Store


class StoreScopedQuerySet(models.QuerySet):
    """Base queryset for tables with a ``store`` column. Use one of these two methods;
    there is deliberately no "current store" that filters silently."""

    def for_store(self, store: Store) -> StoreScopedQuerySet:
        return self.filter(store=store)

    def visible_to(self, user) -> StoreScopedQuerySet:
        return self.filter(store__in=stores_visible_to(user))


StoreScopedManager = models.Manager.from_queryset(StoreScopedQuerySet)
