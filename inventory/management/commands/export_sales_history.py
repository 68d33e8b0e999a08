"""``python manage.py export_sales_history --output FILE [--stores CODES] [--from DATE --to DATE]``

Writes the daily sales history in the input format of ``backtest_policy``: CSV (gzip if
FILE ends with ``.gz``) with ``store,item,date,units,price,stockout``, one row per
``DailyRollup`` row (store code, SKU, ISO business day, units sold, the average unit
price paid that day or the list price on a day without sales, 1 on a stock-out day).
Days without a rollup row are absent (the backtest reads them as zero sales).

Streams: a server-side cursor on PostgreSQL, ``fetchmany`` on SQLite, numbers formatted
by the database, rows written in chunks; memory stays flat whatever the history's size.
"""

from __future__ import annotations

import csv
import gzip
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from stores.models import Store

HEADER = ["store", "item", "date", "units", "price", "stockout"]
FETCH = 20_000

_COLUMNS = {
    "postgresql": """s.code, p.sku, r.day::text, trim_scale(r.units)::text,
        (CASE WHEN r.units <> 0 THEN round(r.revenue / r.units, 2) ELSE p.price END)::text,
        CASE WHEN r.stockout THEN '1' ELSE '0' END""",
    "sqlite": """s.code, p.sku, r.day, CAST(r.units AS TEXT),
        printf('%.2f', CASE WHEN r.units <> 0 THEN r.revenue / r.units ELSE p.price END),
        CASE WHEN r.stockout THEN '1' ELSE '0' END""",
}


def export_sales_history(
    *, output: Path, store_ids: list[int] | None = None, date_from: date | None = None, date_to: date | None = None
) -> int:
    """Write the rows (ordered by store, product, day) to ``output``; returns how many."""
    where, params = [], []
    if store_ids is not None:
        where.append(f"r.store_id IN ({', '.join(['%s'] * len(store_ids))})")
        params += store_ids
    if date_from is not None:
        where.append("r.day >= %s")
        params.append(date_from)
    if date_to is not None:
        where.append("r.day <= %s")
        params.append(date_to)
    columns = _COLUMNS["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    sql = f"""SELECT {columns}
                FROM analytics_dailyrollup r
                JOIN stores_store s ON s.id = r.store_id
                JOIN inventory_product p ON p.id = r.product_id
               {"WHERE " + " AND ".join(where) if where else ""}
               ORDER BY r.store_id, r.product_id, r.day"""
    written = 0
    with _open(output) as handle, connection.chunked_cursor() as cursor:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            writer.writerows(rows)
            written += len(rows)
    return written


@contextmanager
def _open(output: Path):
    """Text handle on ``output``, gzip-compressed for ``.gz``; a failed export leaves no
    half-written file behind."""
    partial = output.with_name(output.name + ".partial")
    try:
        if output.suffix == ".gz":
            with gzip.open(partial, "wt", encoding="utf-8", newline="", compresslevel=5) as handle:
                yield handle
        else:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                yield handle
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Write the daily sales history (from the rollups) as store,item,date,units,price,stockout CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="file to write; .gz compresses")
        parser.add_argument("--stores", help="comma-separated store codes (default: every store)")
        parser.add_argument("--from", dest="date_from", help="first business day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--to", dest="date_to", help="last business day, YYYY-MM-DD (inclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"--output: no such directory {output.parent}")
        date_from = _day(options["date_from"], "--from") if options["date_from"] else None
        date_to = _day(options["date_to"], "--to") if options["date_to"] else None
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from is after --to")
        store_ids = None
        if options["stores"]:
            codes = sorted({code.strip() for code in options["stores"].split(",") if code.strip()})
            found = dict(Store.objects.filter(code__in=codes).values_list("code", "id"))
            unknown = [code for code in codes if code not in found]
            if not codes or unknown:
                raise CommandError(f"--stores: unknown store code(s): {', '.join(unknown) or options['stores']!r}")
            store_ids = sorted(found.values())
        started = time.perf_counter()
        rows = export_sales_history(output=output, store_ids=store_ids, date_from=date_from, date_to=date_to)
        self.stdout.write(f"{rows} rows written to {output} in {time.perf_counter() - started:.1f} s")
