"""Bulk writing for the seed: ``COPY`` on PostgreSQL, prepared ``executemany`` on SQLite.

Millions of rollup rows go in with the table's secondary indexes and (on PostgreSQL) its
foreign keys and unique constraint set aside, and put back from their own stored
definitions afterwards, in the same transaction: building an index once is far cheaper
than maintaining it row by row, and the schema ends exactly as the migrations left it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

CHUNK = 100_000


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    constants: dict[str, str] | None = None,
    tick: Callable[[int], None] = lambda n: None,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; ``constants`` maps
    further columns to an SQL literal written into every row (cheaper than binding it).
    Returns the number of rows written. Runs in the caller's transaction."""
    return insert_chunks(table, columns, _chunks(rows), constants=constants, tick=tick)


def insert_chunks(
    table: str,
    columns: Sequence[str],
    chunks: Iterable[list],
    *,
    constants: dict[str, str] | None = None,
    tick: Callable[[int], None] = lambda n: None,
) -> int:
    """:func:`insert_rows` for rows already cut into lists (the fast path for millions)."""
    constants = constants or {}
    names = ", ".join([*columns, *constants])
    written = 0
    cursor = connection.cursor().cursor  # the DB-API cursor: no Django per-row adaptation
    if connection.vendor == "postgresql":
        suffix = tuple(_copy_literal(value) for value in constants.values())
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for chunk in chunks:
                for row in chunk:
                    copy.write_row((*row, *suffix) if suffix else row)
                written += len(chunk)
                tick(len(chunk))
        return written
    marks = ", ".join(["?"] * len(columns) + list(constants.values()))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    for chunk in chunks:
        cursor.executemany(sql, chunk)
        written += len(chunk)
        tick(len(chunk))
    return written


def _copy_literal(value: str):
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    if value.upper() == "NULL":
        return None
    return value.strip("'")


def _chunks(rows: Iterable[Sequence]) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def bulk_load(table: str):
    """Set aside ``table``'s secondary indexes (and on PostgreSQL its foreign keys and
    unique constraints) for a bulk load inside the current transaction, then rebuild
    them from their stored definitions. The rows loaded must satisfy them: a violation
    fails the rebuild, and so the transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table with deferred foreign-key checks pending cannot be altered: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname""",
                [table],
            )
            constraints = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                    WHERE i.tablename = %s AND NOT EXISTS (
                        SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)""",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        else:
            constraints = []
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, sql in indexes:
            cursor.execute(sql)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


@contextmanager
def fast_sqlite():
    """On SQLite, for the length of the seed: a rollback journal instead of the WAL (pages
    appended to a table need no journal, so the gigabyte of new rows is written once, not
    once to the WAL and again at the checkpoint; SQLite keeps WAL if another connection is
    open), no fsyncs (a crash mid-seed is answered by ``--reset``), a big page cache, and
    foreign keys not looked up row by row (as ``loaddata`` does; :func:`check_foreign_keys`
    verifies them before the commit). Inside a transaction (a test's) or elsewhere than
    SQLite it does nothing."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA journal_mode = DELETE")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache
    try:
        with connection.constraint_checks_disabled():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA journal_mode = {journal}")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA cache_size = -2000")


def check_foreign_keys(tables: Sequence[str]) -> None:
    """Raise ``IntegrityError`` if a row of ``tables`` points nowhere (one
    ``PRAGMA foreign_key_check`` per table on SQLite; deferred constraints are checked at
    commit on PostgreSQL anyway)."""
    if connection.vendor == "sqlite":
        connection.check_constraints(table_names=list(tables))
