from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlglot
from django.core.management import call_command
from django.core.management.base import CommandError

from analytics import rollups, warehouse
from analytics.models import WarehouseLoad, WarehouseLoadStatus
from analytics.tests.factories import receive, sell
from analytics.warehouse.export import export_day, split_lines
from analytics.warehouse.loader import LoadFailed, StandinLoader
from analytics.warehouse.statements import (
    DATASETS,
    FACT_SALES,
    FACT_STOCK,
    load_steps,
    schema_statements,
    standin_ddl,
)
from inventory.models import SaleKind

DAY = date(2026, 11, 2)


@pytest.fixture
def day_of_sales(store, other_store, make_product):
    products = [make_product() for _ in range(6)]
    for shop in (store, other_store):
        for product in products:
            receive(shop, DAY, product, "10")
        sell(shop, DAY, [(products[0], "2", "2.50"), (products[1], "1.5", "4.00", "0.20")])
    sell(store, DAY, [(products[2], "1", "2.50")], kind=SaleKind.RETURN)
    rollups.build_range(date_from=DAY, date_to=DAY)
    return products


def all_generated_statements() -> list[str]:
    steps = load_steps(day=DAY, manifest_url=lambda d: f"s3://b/{d.manifest_key(DAY)}",
                       iam_role_arn="arn:aws:iam::123456789012:role/redshift-copy")  # fmt: skip
    return [*schema_statements(), *(step.sql for step in steps)]


def test_every_generated_redshift_statement_parses():
    statements = all_generated_statements()

    parsed = [sqlglot.parse(sql, read="redshift") for sql in statements]

    assert len(parsed) == 5 + 4 * len(DATASETS)
    assert all(len(tree) == 1 and tree[0] is not None for tree in parsed)
    kinds = [type(tree[0]).__name__ for tree in parsed]
    assert kinds.count("Copy") == len(DATASETS)


def test_copy_names_the_manifest_role_and_format():
    copy = next(step.sql for step in load_steps(day=DAY, manifest_url=lambda d: "s3://b/m.json",
                                                 iam_role_arn="arn:r") if step.copy_of is FACT_SALES)  # fmt: skip

    assert copy.startswith("COPY stage_fact_sales (day, store_id, product_id,")
    assert copy.endswith("FROM 's3://b/m.json' IAM_ROLE 'arn:r' MANIFEST GZIP CSV")


def test_schema_declares_distribution_and_sort_keys():
    ddl = {s.split()[5]: s for s in schema_statements()}

    assert "DISTKEY (product_id)" in ddl["fact_sales"] and "COMPOUND SORTKEY (day, store_id)" in ddl["fact_sales"]
    assert "DISTSTYLE ALL" in ddl["dim_store"] and "DISTSTYLE ALL" in ddl["dim_date"]
    assert "DISTKEY" not in standin_ddl(ddl["fact_sales"]) and "ENCODE" not in standin_ddl(ddl["fact_sales"])


def test_split_lines_cuts_only_at_line_ends():
    data = b"".join(f"{n},row\n".encode() for n in range(1000))

    parts = split_lines(data, 8)

    assert len(parts) == 8 and b"".join(parts) == data
    assert all(part.endswith(b"\n") for part in parts)
    assert split_lines(b"", 4) == [b"", b"", b"", b""]


def test_export_writes_slices_of_gzip_csv_and_the_manifest_last(day_of_sales, s3_bucket, settings):
    client, bucket = s3_bucket
    settings.WAREHOUSE_SLICES = 4
    writes = []
    original = client.put_object
    client.put_object = lambda **kw: (writes.append(kw["Key"]), original(**kw))[1]

    [sales] = export_day(day=DAY, datasets=[FACT_SALES], client=client, bucket=bucket)

    assert sales.part_keys == [f"warehouse/fact_sales/day=2026-11-02/part-{n:04d}.csv.gz" for n in range(4)]
    assert writes[-1] == "warehouse/fact_sales/day=2026-11-02/manifest.json"
    manifest = json.loads(client.get_object(Bucket=bucket, Key=sales.manifest_key)["Body"].read())
    assert [e["url"] for e in manifest["entries"]] == [f"s3://{bucket}/{k}" for k in sales.part_keys]
    assert all(e["mandatory"] is True for e in manifest["entries"])
    lines = b"".join(
        gzip.decompress(client.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in sales.part_keys
    ).splitlines()
    assert sales.rows == len(lines) == 5  # 2 products x 2 stores sold, 1 returned
    first = lines[0].decode().split(",")
    assert first[0] == "2026-11-02" and Decimal(first[3]) == Decimal("2")


def fact(url: str, table: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()


@pytest.mark.postgres
def test_load_into_the_standin_then_rerun_changes_nothing(day_of_sales, s3_bucket, standin_url, settings):
    client, _ = s3_bucket
    settings.WAREHOUSE_STANDIN_URL = standin_url
    StandinLoader(url=standin_url, s3_client=client).apply_schema()

    run = warehouse.run_day(day=DAY, client=client)
    first_sales, first_stock = fact(standin_url, "fact_sales"), fact(standin_url, "fact_stock")
    warehouse.run_day(day=DAY, client=client)

    assert run.status == WarehouseLoadStatus.LOADED
    assert len(first_sales) == 5 and len(first_stock) == 12
    assert fact(standin_url, "fact_sales") == first_sales
    assert fact(standin_url, "fact_stock") == first_stock
    assert len(fact(standin_url, "dim_store")) == 2 and len(fact(standin_url, "dim_date")) == 1
    assert sum(row[3] for row in first_sales) == Decimal("7.000")  # (2 + 1.5) units x 2 stores


@pytest.mark.postgres
def test_failed_load_leaves_the_facts_as_they_were(store, day_of_sales, s3_bucket, standin_url, settings):
    client, bucket = s3_bucket
    settings.WAREHOUSE_STANDIN_URL = standin_url
    StandinLoader(url=standin_url, s3_client=client).apply_schema()
    warehouse.run_day(day=DAY, client=client)
    before = fact(standin_url, "fact_sales")
    sell(store, DAY, [(day_of_sales[3], "1", "9.99")])  # the re-run would add a sales row
    rollups.refresh_day(store_id=store.pk, day=DAY)
    original = client.put_object

    def lose_a_part(**kw):  # the part is "written" but never lands: the manifest names it
        if kw["Key"].endswith("fact_stock/day=2026-11-02/part-0002.csv.gz"):
            return {}
        return original(**kw)

    client.delete_object(Bucket=bucket, Key="warehouse/fact_stock/day=2026-11-02/part-0002.csv.gz")
    client.put_object = lose_a_part

    with pytest.raises(LoadFailed, match="mandatory file missing"):
        warehouse.run_day(day=DAY, client=client)

    assert fact(standin_url, "fact_sales") == before
    assert WarehouseLoad.objects.order_by("-pk").first().status == WarehouseLoadStatus.FAILED


def test_warehouse_export_command_without_a_warehouse_writes_files_only(day_of_sales, s3_bucket, settings):
    client, bucket = s3_bucket
    settings.WAREHOUSE_STANDIN_URL = ""
    settings.REDSHIFT_WORKGROUP = ""

    call_command("warehouse_export", "--date", DAY.isoformat())

    run = WarehouseLoad.objects.get()
    assert (run.status, run.rows) == (WarehouseLoadStatus.EXPORTED, 5 + 12)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"{FACT_STOCK.prefix(DAY)}/manifest.json" in keys


def test_warehouse_export_command_rejects_a_bad_date(db):
    with pytest.raises(CommandError, match="--date"):
        call_command("warehouse_export", "--date", "2026-13-01")
    assert not WarehouseLoad.objects.exists()
