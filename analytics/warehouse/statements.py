"""The warehouse's datasets and the Redshift SQL that loads them.

Every statement generated here is Redshift SQL (the tests parse each one with sqlglot's
redshift dialect). The PostgreSQL stand-in runs the very same strings except the COPY,
which it replaces by streaming the manifest's files (see :mod:`analytics.warehouse.loader`);
and it creates its tables from ``schema.sql`` with the Redshift-only clauses stripped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "redshift" / "schema.sql"
PREFIX = "warehouse"


@dataclass(frozen=True)
class Dataset:
    """One table of the warehouse and how a day of it is written and merged.

    ``partition`` says how the load replaces rows: ``"day"`` deletes the facts of the
    exported day (the export is the complete day), ``"keys"`` deletes the rows whose
    ``keys`` appear in the staged files (dimension snapshots)."""

    table: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    partition: str
    sliced: bool  # split into a multiple of the cluster's slices (the facts)

    @property
    def staging(self) -> str:
        return f"stage_{self.table}"

    def prefix(self, day: date) -> str:
        return f"{PREFIX}/{self.table}/day={day.isoformat()}"

    def manifest_key(self, day: date) -> str:
        return f"{self.prefix(day)}/manifest.json"

    def part_key(self, day: date, index: int) -> str:
        return f"{self.prefix(day)}/part-{index:04d}.csv.gz"


FACT_SALES = Dataset(
    table="fact_sales",
    columns=("day", "store_id", "product_id", "units", "revenue", "cost", "returns_units", "returns_value"),
    keys=("day", "store_id", "product_id"),
    partition="day",
    sliced=True,
)
FACT_STOCK = Dataset(
    table="fact_stock",
    columns=("day", "store_id", "product_id", "closing_on_hand", "receipts_units", "shrinkage_units", "stockout"),
    keys=("day", "store_id", "product_id"),
    partition="day",
    sliced=True,
)
DIM_STORE = Dataset(
    table="dim_store",
    columns=("store_id", "code", "name", "region_code", "region_name", "format", "timezone"),
    keys=("store_id",),
    partition="keys",
    sliced=False,
)
DIM_PRODUCT = Dataset(
    table="dim_product",
    columns=("product_id", "sku", "name", "category_id", "category_name", "cost", "price"),
    keys=("product_id",),
    partition="keys",
    sliced=False,
)
DIM_DATE = Dataset(
    table="dim_date",
    columns=("day", "year", "quarter", "month", "iso_week", "weekday"),
    keys=("day",),
    partition="keys",
    sliced=False,
)
# Dimensions first: a fact never lands without the rows it refers to.
DATASETS: tuple[Dataset, ...] = (DIM_DATE, DIM_STORE, DIM_PRODUCT, FACT_SALES, FACT_STOCK)


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_staging_sql(dataset: Dataset) -> str:
    return f"CREATE TEMP TABLE {dataset.staging} (LIKE {dataset.table})"


def copy_sql(dataset: Dataset, *, manifest_url: str, iam_role_arn: str) -> str:
    """COPY the manifest's gzip CSV files into the staging table. MANIFEST with mandatory
    entries makes a missing file an error, never a silently smaller load."""
    return (
        f"COPY {dataset.staging} ({', '.join(dataset.columns)}) "
        f"FROM {_quote_literal(manifest_url)} IAM_ROLE {_quote_literal(iam_role_arn)} "
        "MANIFEST GZIP CSV"
    )


def merge_sqls(dataset: Dataset, *, day: date) -> list[str]:
    """Delete what the staged files replace, then insert them: a re-run of the day leaves
    the same rows. Runs in the load's one transaction, so a failure changes nothing."""
    columns = ", ".join(dataset.columns)
    if dataset.partition == "day":
        delete = f"DELETE FROM {dataset.table} WHERE day = {_quote_literal(day.isoformat())}"
    else:
        match = " AND ".join(f"{dataset.table}.{key} = s.{key}" for key in dataset.keys)
        delete = f"DELETE FROM {dataset.table} USING {dataset.staging} s WHERE {match}"
    insert = f"INSERT INTO {dataset.table} ({columns}) SELECT {columns} FROM {dataset.staging}"
    return [delete, insert]


@dataclass(frozen=True)
class Step:
    """One statement of a load. ``copy_of`` marks the COPY, the one step the stand-in
    performs differently."""

    sql: str
    copy_of: Dataset | None = None


def load_steps(
    *, day: date, manifest_url: Callable[[Dataset], str], iam_role_arn: str, datasets: Iterable[Dataset] = DATASETS
) -> list[Step]:
    """Every statement of one day's load, in order, meant to run as ONE transaction."""
    steps: list[Step] = []
    for dataset in datasets:
        steps.append(Step(create_staging_sql(dataset)))
        steps.append(Step(copy_sql(dataset, manifest_url=manifest_url(dataset), iam_role_arn=iam_role_arn), dataset))
        steps.extend(Step(sql) for sql in merge_sqls(dataset, day=day))
    return steps


def schema_statements() -> list[str]:
    """``schema.sql`` split into statements (comments dropped)."""
    text = "\n".join(line for line in SCHEMA_FILE.read_text().splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


_REDSHIFT_ONLY = [
    re.compile(r"\bENCODE\s+\w+", re.IGNORECASE),
    re.compile(r"\bDISTSTYLE\s+\w+", re.IGNORECASE),
    re.compile(r"\bDISTKEY\s*\([^)]*\)", re.IGNORECASE),
    re.compile(r"\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)", re.IGNORECASE),
]


def standin_ddl(statement: str) -> str:
    """The PostgreSQL form of a schema statement: the same table without Redshift's
    physical-design clauses (distribution, sort keys, column encodings)."""
    for pattern in _REDSHIFT_ONLY:
        statement = pattern.sub("", statement)
    return statement
