"""CSV export of a store's stock levels, streamed: rows are read from the database in
chunks and written out as they come, so a store of 50,000 products never sits in memory
and the first bytes leave at once."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from stores.models import Store

from .catalogue import category_labels
from .models import StockLevel

STOCK_COLUMNS = ("sku", "name", "category", "on_hand", "on_order", "in_transit", "min", "max", "needs_count")
CHUNK = 2000


class _Echo:
    """A file-like object whose ``write`` hands the line back to the caller."""

    def write(self, value: str) -> str:
        return value


def stock_level_rows(store: Store) -> Iterator[tuple]:
    """The store's levels ordered by SKU, as tuples in :data:`STOCK_COLUMNS` order.
    Two queries in all: the category labels, then the levels read by a server-side
    cursor (PostgreSQL) or in chunks."""
    labels = category_labels()
    levels = (
        StockLevel.objects.for_store(store)
        .order_by("product__sku")
        .values_list(
            "product__sku",
            "product__name",
            "product__category_id",
            "on_hand",
            "on_order",
            "in_transit",
            "min_qty",
            "max_qty",
            "needs_count",
        )
    )
    for sku, name, category_id, on_hand, on_order, in_transit, min_qty, max_qty, needs_count in levels.iterator(
        chunk_size=CHUNK
    ):
        yield (
            sku,
            name,
            labels.get(category_id, ""),
            on_hand,
            on_order,
            in_transit,
            "" if min_qty is None else min_qty,
            "" if max_qty is None else max_qty,
            "yes" if needs_count else "no",
        )


def stock_levels_csv(store: Store) -> Iterator[str]:
    """The CSV text, one line at a time (header first)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(STOCK_COLUMNS)
    for row in stock_level_rows(store):
        yield writer.writerow(row)
