"""Bulk inserts for the hot write paths (POS ingest, the ledger).

``insert_rows`` writes plain tuples: one ``COPY ... FROM STDIN`` on PostgreSQL (one
multi-row ``INSERT`` for a handful of rows, e.g. a single sale), with no
model instance per row (building and saving 2,500 sale lines and 2,500 movements through
``bulk_create`` was most of a 500-sale batch), and ``bulk_create`` elsewhere. It is for
rows whose ids nobody needs back and whose tables have no ``auto_now`` field left to the
ORM: the caller fills every column it names.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

COPY_FROM_ROWS = 64  # below this one multi-row INSERT is cheaper than COPY's extra round trips


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, column names as stored) into
    ``model``'s table, inside the caller's transaction. Returns the number of rows."""
    if not rows:
        return 0
    if connection.vendor == "postgresql" and len(rows) < COPY_FROM_ROWS:
        values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES {values}",
                [value for row in rows for value in row],
            )
        return len(rows)
    if connection.vendor == "postgresql":
        statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000)
    return len(rows)
