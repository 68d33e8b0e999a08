"""Stock export: the store's levels as a streamed CSV, scoped like every store route."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from inventory.models import StockLevel

pytestmark = pytest.mark.django_db


def export_url(store) -> str:
    return f"/api/v1/stores/{store.code}/stock/export.csv"


def read(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_streams_the_store_levels_in_sku_order(api_client_for, store, other_store, make_product):
    penne, rice = make_product("B-PENNE", name="Penne"), make_product("A-RICE", name="Rice, long grain")
    StockLevel.objects.create(
        store=store,
        product=penne,
        on_hand=Decimal("12"),
        on_order=Decimal("6"),
        min_qty=Decimal("4"),
        max_qty=Decimal("24"),
    )
    StockLevel.objects.create(
        store=store, product=rice, on_hand=Decimal("-1.5"), in_transit=Decimal("3"), needs_count=True
    )
    StockLevel.objects.create(store=other_store, product=penne, on_hand=Decimal("99"))

    response = api_client_for("clerk").get(export_url(store))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stock-S001.csv"'
    assert read(response) == [
        ["sku", "name", "category", "on_hand", "on_order", "in_transit", "min", "max", "needs_count"],
        ["A-RICE", "Rice, long grain", "Grocery/Pasta", "-1.500", "0.000", "3.000", "", "", "yes"],
        ["B-PENNE", "Penne", "Grocery/Pasta", "12.000", "6.000", "0.000", "4.000", "24.000", "no"],
    ]


def test_other_region_store_export_is_404_and_holds_no_data(api_client_for, store, other_store, product):
    StockLevel.objects.create(store=other_store, product=product, on_hand=Decimal("99"))

    response = api_client_for("store_manager").get(export_url(other_store))

    assert response.status_code == 404
    assert b"PASTA" not in response.content


def test_analyst_exports_any_store(api_client_for, other_store, product):
    StockLevel.objects.create(store=other_store, product=product, on_hand=Decimal("7"))

    rows = read(api_client_for("analyst").get(export_url(other_store)))

    assert [r[0] for r in rows[1:]] == ["PASTA-500"]


def test_export_query_count_does_not_grow_with_rows(api_client_for, store, make_product, django_assert_max_num_queries):
    for n in range(60):
        StockLevel.objects.create(store=store, product=make_product(f"SKU-{n:03d}"), on_hand=n)
    client = api_client_for("store_manager")

    with django_assert_max_num_queries(7):
        rows = read(client.get(export_url(store)))

    assert len(rows) == 61
