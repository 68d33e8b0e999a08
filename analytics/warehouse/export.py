"""Write one day of the warehouse's datasets to S3 as gzip CSV files plus a manifest.

Layout: ``s3://<WAREHOUSE_EXPORT_BUCKET>/warehouse/<table>/day=YYYY-MM-DD/part-NNNN.csv.gz``
and ``.../manifest.json``. The facts are split into a multiple of ``WAREHOUSE_SLICES``
files of about equal size, so every slice of the cluster loads in parallel. The manifest
(``"mandatory": true`` on every entry) is written LAST: until it exists the loader has
nothing to load, and a half-written export is never loaded.

On PostgreSQL the rows leave the database through ``COPY (SELECT ...) TO STDOUT`` (no
Python object per row); elsewhere through the ORM. Files are compressed and uploaded in
parallel threads (zlib and the socket release the GIL).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection

from analytics.models import DailyRollup
from inventory.models import Product
from stores.models import Store

from .statements import DIM_DATE, DIM_PRODUCT, DIM_STORE, FACT_SALES, FACT_STOCK, Dataset

GZIP_LEVEL = 3  # a third of level 6's CPU for ~10 % larger files: the export is CPU-bound
UPLOAD_THREADS = 4


@dataclass
class ExportedDataset:
    dataset: Dataset
    rows: int
    manifest_key: str
    part_keys: list[str] = field(default_factory=list)
    bytes_compressed: int = 0


def s3_client():
    import boto3

    return boto3.client("s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name=settings.AWS_S3_REGION_NAME)


_FACT_SELECT = {
    FACT_SALES.table: (
        "SELECT day, store_id, product_id, units, revenue, cost, returns_units, returns_value "
        "FROM analytics_dailyrollup WHERE day = %s AND (units <> 0 OR returns_units <> 0) "
        "ORDER BY store_id, product_id"
    ),
    FACT_STOCK.table: (
        "SELECT day, store_id, product_id, closing_on_hand, receipts_units, shrinkage_units, stockout "
        "FROM analytics_dailyrollup WHERE day = %s ORDER BY store_id, product_id"
    ),
}


def _csv_bytes(rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else ("t" if v is True else "f" if v is False else v) for v in row])
    return buffer.getvalue().encode()


def _fact_rows(dataset: Dataset, day: date) -> Iterable[tuple]:
    rollups = DailyRollup.objects.filter(day=day).order_by("store_id", "product_id")
    if dataset is FACT_SALES:
        rollups = rollups.exclude(units=0, returns_units=0)
    return rollups.values_list(*dataset.columns).iterator(chunk_size=5000)


def dataset_csv(dataset: Dataset, day: date) -> bytes:
    """The day's rows of ``dataset`` as CSV (no header; NULL as an empty field)."""
    if dataset.table in _FACT_SELECT and connection.vendor == "postgresql":
        chunks: list[bytes] = []
        with connection.cursor() as cursor:
            sql = f"COPY ({_FACT_SELECT[dataset.table]}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(sql, [day]) as copy:
                chunks.extend(bytes(block) for block in copy)
        return b"".join(chunks)
    if dataset.table in _FACT_SELECT:
        return _csv_bytes(_fact_rows(dataset, day))
    if dataset is DIM_STORE:
        return _csv_bytes(
            Store.objects.order_by("pk").values_list(
                "pk", "code", "name", "region__code", "region__name", "format", "timezone"
            )
        )
    if dataset is DIM_PRODUCT:
        return _csv_bytes(
            Product.objects.order_by("pk").values_list(
                "pk", "sku", "name", "category_id", "category__name", "cost", "price"
            )
        )
    if dataset is DIM_DATE:
        iso = day.isocalendar()
        return _csv_bytes([(day, day.year, (day.month - 1) // 3 + 1, day.month, iso.week, iso.weekday)])
    raise ValueError(f"unknown dataset {dataset.table}")


def split_lines(data: bytes, parts: int) -> list[bytes]:
    """``data`` cut into ``parts`` pieces of about equal size, only at line ends."""
    pieces, start, size = [], 0, len(data)
    for index in range(1, parts):
        target = size * index // parts
        if target <= start:
            pieces.append(b"")
            continue
        newline = data.find(b"\n", target - 1)
        cut = size if newline < 0 else newline + 1
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    return pieces


def write_dataset(*, dataset: Dataset, day: date, data: bytes, client, bucket: str, slices: int) -> ExportedDataset:
    """Upload ``data`` as gzip parts, then the manifest naming them (mandatory)."""
    parts = split_lines(data, slices if dataset.sliced else 1)
    keys = [dataset.part_key(day, index) for index in range(len(parts))]

    def upload(item: tuple[str, bytes]) -> int:
        key, body = item
        compressed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        client.put_object(Bucket=bucket, Key=key, Body=compressed, ContentType="application/gzip")
        return len(compressed)

    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        sizes = list(pool.map(upload, zip(keys, parts, strict=True)))
    manifest = {
        "entries": [
            {"url": f"s3://{bucket}/{key}", "mandatory": True, "meta": {"content_length": size}}
            for key, size in zip(keys, sizes, strict=True)
        ]
    }
    manifest_key = dataset.manifest_key(day)
    client.put_object(
        Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest).encode(), ContentType="application/json"
    )
    return ExportedDataset(
        dataset=dataset, rows=data.count(b"\n"), manifest_key=manifest_key, part_keys=keys, bytes_compressed=sum(sizes)
    )


def export_day(
    *, day: date, datasets: Iterable[Dataset], client=None, bucket: str | None = None, slices: int | None = None
) -> list[ExportedDataset]:
    """Export ``day`` of each dataset. Re-running overwrites the same keys with the same
    content (sorted rows, gzip without a timestamp), so a re-export is harmless."""
    client = client or s3_client()
    bucket = bucket or settings.WAREHOUSE_EXPORT_BUCKET
    slices = slices or settings.WAREHOUSE_SLICES
    if not bucket:
        raise ValueError("WAREHOUSE_EXPORT_BUCKET is not set")
    return [
        write_dataset(dataset=d, day=day, data=dataset_csv(d, day), client=client, bucket=bucket, slices=slices)
        for d in datasets
    ]
