"""Rebuild the daily rollups of a date range from sales and the ledger."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.rollups import build_range
from stores.models import Store


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{flag}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Rebuild daily rollups (and the category summary) for --from..--to, optionally for some stores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--store", action="append", default=[], help="store code (repeatable)")

    def handle(self, *args, date_from: str, date_to: str, store: list[str], **options) -> None:
        start, end = _day(date_from, "--from"), _day(date_to, "--to")
        if end < start:
            raise CommandError("--to is before --from")
        store_ids = None
        if store:
            store_ids = list(Store.objects.filter(code__in=store).values_list("pk", flat=True))
            if len(store_ids) != len(set(store)):
                raise CommandError("--store: unknown store code")
        written = build_range(date_from=start, date_to=end, store_ids=store_ids)
        self.stdout.write(f"{written} rollup rows written for {start}..{end}")
