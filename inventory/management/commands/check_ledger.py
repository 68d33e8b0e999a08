"""``manage.py check_ledger [--store CODE]``: the ledger invariant, checked.

For every (store, product), on-hand must equal the sum of its movements. Lists each level
that differs and exits non-zero if any does, so cron or CI can alarm on it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.document_lines import qty_text
from inventory.ledger import find_mismatches
from inventory.models import Product, StockLevel
from stores.models import Store


class Command(BaseCommand):
    help = "List every (store, product) whose on-hand differs from the sum of its movements; exit 1 if any."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--store", metavar="CODE", help="check one store only")

    def handle(self, *args, store: str | None = None, **options) -> None:
        store_ids = None
        if store:
            found = Store.objects.filter(code=store).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"no store with code {store}")
            store_ids = [found]
        mismatches = find_mismatches(store_ids)
        if mismatches:
            codes = dict(Store.objects.filter(pk__in={m.store_id for m in mismatches}).values_list("pk", "code"))

            skus = dict(Product.objects.filter(pk__in={m.product_id for m in mismatches}).values_list("pk", "sku"))
            for m in sorted(mismatches, key=lambda m: (codes.get(m.store_id, ""), skus.get(m.product_id, ""))):
                self.stdout.write(
                    f"{codes.get(m.store_id, m.store_id)}\t{skus.get(m.product_id, m.product_id)}\t"
                    f"on_hand={qty_text(m.on_hand)}\tmovements={qty_text(m.movements)}\t"
                    f"difference={qty_text(m.on_hand - m.movements)}"
                )
            raise CommandError(f"ledger mismatch: {len(mismatches)} levels differ from their movements")
        levels = StockLevel.objects.all()
        if store_ids is not None:
            levels = levels.filter(store_id__in=store_ids)
        self.stdout.write(f"ledger OK: {levels.count()} levels checked")
