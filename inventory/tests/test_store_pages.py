"""The store pages on the server: what they show, their filters, and their query budgets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import DailyRollup
from inventory import store_summary
from inventory.ingest import ingest_sales
from inventory.models import Alert, AlertKind

from .document_helpers import give_stock, sell

pytestmark = pytest.mark.django_db


def test_stock_list_searches_by_sku_barcode_or_name_and_filters_by_status(page_client_for, store, make_product):
    penne = make_product("PASTA-500", name="Penne 500 g")
    rice = make_product("RICE-1K", name="Arborio rice")
    give_stock(store, penne, 4)
    give_stock(store, rice, 1)
    sell(store, rice, 3)
    client = page_client_for("clerk")

    def skus(query: str) -> set[str]:
        page = client.get(f"/s/{store.code}/stock/?{query}").context["page"]
        return {level.product.sku for level in page}

    assert skus("q=PASTA") == {"PASTA-500"}
    assert skus("q=arborio") == {"RICE-1K"}
    assert skus("q=" + penne.barcodes.get().code) == {"PASTA-500"}
    assert skus("status=negative") == {"RICE-1K"}
    assert skus("status=nonsense") == {"PASTA-500", "RICE-1K"}  # an unknown filter filters nothing
    assert [lv.product.sku for lv in client.get(f"/s/{store.code}/stock/?sort=-on_hand").context["page"]] == [
        "PASTA-500", "RICE-1K",
    ]  # fmt: skip


def test_htmx_search_answers_only_the_rows(page_client_for, store, product):
    give_stock(store, product, 3)
    response = page_client_for("clerk").get(f"/s/{store.code}/stock/?q=PASTA", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "PASTA-500" in body


def test_stock_list_queries_do_not_grow_with_rows(page_client_for, store, make_product, django_assert_max_num_queries):
    for _ in range(40):
        give_stock(store, make_product(), 2)
    client = page_client_for("clerk")
    with django_assert_max_num_queries(14):
        assert client.get(f"/s/{store.code}/stock/").status_code == 200


def test_product_page_shows_history_movements_and_where_settings_come_from(page_client_for, store, product):
    give_stock(store, product, 10)
    day = store.business_day()
    DailyRollup.objects.create(store=store, product=product, day=day - timedelta(days=3), units=4, closing_on_hand=6)
    response = page_client_for("store_manager").get(f"/s/{store.code}/products/{product.sku}/")
    assert response.status_code == 200
    history = response.context["history"]
    assert len(history["days"]) == 90 and history["units"][-4] == 4.0 and history["on_hand"][-4] == 6.0
    sources = {row["name"]: row["source"] for row in response.context["settings_rows"]}
    assert sources["service_level"] == "default" and sources["in_assortment"] == "product"
    assert b"product-history" in response.content  # the chart's data block


def test_unknown_product_is_404(page_client_for, store):
    assert page_client_for("clerk").get(f"/s/{store.code}/products/NOPE/").status_code == 404


def test_home_compares_today_with_the_same_time_last_week(store, product, device):
    give_stock(store, product, 50)
    now = timezone.now()
    sale = {"lines": [{"sku": product.sku, "quantity": "2", "unit_price": "2.50"}]}
    ingest_sales(store=store, raw_sales=[
        {**sale, "pos_sale_id": "T1", "sold_at": (now - timedelta(minutes=5)).isoformat()},
        {**sale, "pos_sale_id": "W1", "sold_at": (now - timedelta(days=7, minutes=10)).isoformat()},
        {**sale, "pos_sale_id": "W2", "sold_at": (now - timedelta(days=7) + timedelta(minutes=1)).isoformat()},
    ])  # fmt: skip
    Alert.objects.create(
        store=store, product=product, kind=AlertKind.LOW, fingerprint="x", on_hand=1, message="low",
        first_seen_on=now.date(), last_seen_on=now.date(),
    )  # fmt: skip

    s = store_summary.summary(store, now=now)

    assert (s.today.revenue, s.today.sales) == (Decimal("5.00"), 1)
    assert (s.last_week.revenue, s.last_week.sales, s.last_week.whole_day) == (Decimal("5.00"), 1, False)
    assert s.change_pct == 0.0
    assert [a.product_id for a in s.alerts] == [product.pk]
