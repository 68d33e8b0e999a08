"""PostgreSQL binary ``COPY`` in and out of numpy arrays, and a plain fetch for SQLite.

The nightly run moves millions of fixed-width values a night; building one Python object
per value was most of its cost, so these helpers go straight between the wire format and
numpy structured arrays.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from django.db import connection

PG_EPOCH = date(2000, 1, 1)  # binary COPY dates count days from here


def fetch(sql: str, params: list) -> list[tuple]:
    """All rows of ``sql`` with ``params`` (a raw cursor: no model instances)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def copy_out(sql: str, fields: list[tuple[str, str]]) -> np.ndarray:
    """Run ``sql`` as a binary ``COPY (...) TO STDOUT`` on PostgreSQL and return its rows as
    one numpy structured array (big-endian ``fields``: name, dtype), with no Python object
    per value: fetching and converting 20,000 rows of a store was most of its load time.
    Every column must be fixed-width and non-null (COALESCE in the query); a NULL shifts
    the layout and raises ``ValueError``. ``sql`` takes no parameters: inline integers."""
    layout = [("count", ">i2")]
    for name, dtype in fields:
        layout += [(f"{name}__len", ">i4"), (name, dtype)]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    body = memoryview(data)[19:-2]  # signature, flags and header extension; the trailer
    dtype = np.dtype(layout)
    if len(body) % dtype.itemsize:
        raise ValueError("COPY rows are not fixed-width (a NULL column?)")
    rows = np.frombuffer(body, dtype=dtype)
    for name, kind in fields:
        if len(rows) and not (rows[f"{name}__len"] == np.dtype(kind).itemsize).all():
            raise ValueError(f"column {name} is not fixed-width (a NULL?)")
    return rows


def binary_copy_payload(columns: list[tuple[np.ndarray, str]]) -> bytes:
    """PostgreSQL binary ``COPY`` data for fixed-width, non-null columns, built by numpy in
    one pass (no Python object per value): each column is (values, big-endian dtype such as
    ``">i8"``, ``">f8"``, ``">i4"``, ``">i2"``, ``"?"``)."""
    n = len(columns[0][0]) if columns else 0
    fields = [("count", ">i2")]
    for k, (_, dtype) in enumerate(columns):
        fields += [(f"len{k}", ">i4"), (f"v{k}", dtype)]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for k, (values, dtype) in enumerate(columns):
        rows[f"len{k}"] = np.dtype(dtype).itemsize
        rows[f"v{k}"] = values
    return b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rows.tobytes() + b"\xff\xff"
