"""Acting on suggestions (API and domain): edit, approve into draft POs per supplier,
reject and its memory, settings inheritance with sources, store isolation, alerts and the
digest, transfer suggestions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from inventory.models import (
    Alert,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    ReplenishmentSettings,
    Suggestion,
    SuggestionRejection,
    SuggestionStatus,
    Supplier,
    TransferSuggestion,
)
from inventory.replenishment import alerts, engine, pipeline
from inventory.replenishment import settings as repl_settings

from .replenishment_factories import NIGHT, demand, stock

BASE = "/api/v1/stores"


@pytest.fixture
def night(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16)
    engine.run_store(store=store, day=NIGHT)
    return Suggestion.objects.get(store=store, product=product)


@pytest.fixture
def two_suppliers_night(store, make_product, supplier):
    other = Supplier.objects.create(code="BETA", name="Beta Ltd")
    products = [make_product() for _ in range(3)]
    ProductSupplier.objects.filter(product=products[2]).update(supplier=other)
    for p in products:
        stock(store, p, on_hand=0)
        demand(store, p, level=20, variance=25)
    engine.run_store(store=store, day=NIGHT)
    return list(Suggestion.objects.for_store(store).order_by("product_id"))


def test_list_filters_by_status_and_supplier(api_client_for, two_suppliers_night, django_assert_max_num_queries):
    client = api_client_for("store_manager")
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/S001/suggestions/", {"status": "proposed", "supplier": "BETA"})

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [two_suppliers_night[2].pk]
    assert response.json()["results"][0]["reason"].startswith("sells 20.0/day")


def test_list_rejects_an_unknown_status(api_client_for, night):
    response = api_client_for("store_manager").get(f"{BASE}/S001/suggestions/", {"status": "maybe"})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "status"


def test_manager_edits_the_quantity(api_client_for, night):
    response = api_client_for("store_manager").patch(
        f"{BASE}/S001/suggestions/{night.pk}/", {"quantity": "12"}, format="json"
    )

    night.refresh_from_db()
    assert response.status_code == 200
    assert (night.quantity, night.suggested_quantity > 12) == (Decimal("12"), True)


def test_bad_quantity_is_a_400_and_changes_nothing(api_client_for, night):
    before = night.quantity
    response = api_client_for("store_manager").patch(
        f"{BASE}/S001/suggestions/{night.pk}/", {"quantity": "1.2345"}, format="json"
    )

    night.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["detail"][0] == {
        "field": "quantity",
        "code": "max_decimal_places",
        "message": "at most 3 decimals",
    }
    assert night.quantity == before


def test_approve_groups_by_supplier_into_draft_orders(api_client_for, two_suppliers_night):
    ids = [s.pk for s in two_suppliers_night]

    response = api_client_for("store_manager").post(f"{BASE}/S001/suggestions/approve/", {"ids": ids}, format="json")

    assert response.status_code == 200
    orders = PurchaseOrder.objects.filter(store__code="S001").order_by("supplier__code")
    assert [(o.supplier.code, o.status) for o in orders] == [("ACME", "draft"), ("BETA", "draft")]
    lines = {(line.order.supplier.code, line.product_id): line.quantity for line in PurchaseOrderLine.objects.all()}
    assert lines == {(s.supplier.code, s.product_id): s.quantity for s in two_suppliers_night}
    assert set(Suggestion.objects.values_list("status", flat=True)) == {SuggestionStatus.APPROVED}


def test_approving_twice_is_a_conflict_and_orders_nothing_more(api_client_for, night):
    client = api_client_for("store_manager")
    client.post(f"{BASE}/S001/suggestions/approve/", {"ids": [night.pk]}, format="json")

    again = client.post(f"{BASE}/S001/suggestions/approve/", {"ids": [night.pk]}, format="json")

    assert again.status_code == 409
    assert PurchaseOrder.objects.count() == 1


def test_clerk_cannot_approve(api_client_for, night):
    response = api_client_for("clerk").post(f"{BASE}/S001/suggestions/approve/", {"ids": [night.pk]}, format="json")

    assert response.status_code == 403
    assert PurchaseOrder.objects.count() == 0
    assert Suggestion.objects.get().status == SuggestionStatus.PROPOSED


def test_another_stores_suggestion_is_404_and_untouched(api_client_for, other_store, product, night):
    stock(other_store, product, on_hand=0)
    demand(other_store, product, level=10)
    engine.run_store(store=other_store, day=NIGHT)
    foreign = Suggestion.objects.get(store=other_store)
    client = api_client_for("store_manager")

    detail = client.get(f"{BASE}/S001/suggestions/{foreign.pk}/")
    edit = client.patch(f"{BASE}/S001/suggestions/{foreign.pk}/", {"quantity": "1"}, format="json")
    approve = client.post(f"{BASE}/S001/suggestions/approve/", {"ids": [foreign.pk]}, format="json")
    elsewhere = client.get(f"{BASE}/S002/suggestions/")

    assert (detail.status_code, edit.status_code, elsewhere.status_code) == (404, 404, 404)
    assert approve.status_code == 400 and approve.json()["detail"][0]["code"] == "not_found"
    foreign.refresh_from_db()
    assert (foreign.status, foreign.quantity) == (SuggestionStatus.PROPOSED, foreign.suggested_quantity)
    assert PurchaseOrder.objects.count() == 0


def test_rejection_is_remembered_until_the_situation_worsens(api_client_for, store, product, night):
    client = api_client_for("store_manager")
    response = client.post(
        f"{BASE}/S001/suggestions/reject/", {"ids": [night.pk], "reason": "promo stock arriving"}, format="json"
    )
    assert response.status_code == 200

    # Next night, same position: not proposed again.
    quiet = engine.run_store(store=store, day=NIGHT + timedelta(days=1))
    assert (quiet.suggestions, quiet.suppressed) == (0, 1)
    assert SuggestionRejection.objects.get().reason == "promo stock arriving"

    # On hand drops further: proposed again, memory dropped.
    from inventory.ledger import MovementLine, post_movements
    from inventory.models import MovementKind

    post_movements(
        store=store,
        lines=[MovementLine(product.pk, Decimal("-5"), MovementKind.SALE)],
        document_type="test",
        document_id=2,
    )
    worse = engine.run_store(store=store, day=NIGHT + timedelta(days=2))
    assert worse.suggestions == 1
    assert SuggestionRejection.objects.count() == 0


def test_reject_needs_a_reason(api_client_for, night):
    response = api_client_for("store_manager").post(
        f"{BASE}/S001/suggestions/reject/", {"ids": [night.pk], "reason": " "}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "reason"
    assert Suggestion.objects.get().status == SuggestionStatus.PROPOSED
    assert SuggestionRejection.objects.count() == 0


def _dec(value):
    return value if value is None or isinstance(value, bool) else Decimal(str(value))


def test_settings_inherit_and_say_where_each_value_came_from(api_client_for, store, region, product):
    repl_settings.update_level(scope="company", changes={"service_level": "0.9", "review_days": "2"})
    repl_settings.update_level(scope="region", region=region, changes={"service_level": "0.93"})
    repl_settings.update_level(scope="store", store=store, changes={"review_days": "3"})
    stock(store, product, on_hand=1, service_level=Decimal("0.99"))
    client = api_client_for("store_manager")

    at_store = {
        r["name"]: (_dec(r["value"]), r["source"])
        for r in client.get(f"{BASE}/S001/replenishment-settings/").json()["settings"]
    }
    at_product = {
        r["name"]: (_dec(r["value"]), r["source"])
        for r in client.get(f"{BASE}/S001/replenishment-settings/", {"product": product.pk}).json()["settings"]
    }

    assert at_store["service_level"] == (Decimal("0.93"), "region")
    assert at_store["review_days"] == (Decimal("3"), "store")
    assert at_store["transfer_min_qty"] == (Decimal("2"), "default")
    assert at_product["service_level"] == (Decimal("0.99"), "product")
    assert at_product["review_days"] == (Decimal("3"), "store")


def test_store_settings_reject_a_bad_service_level(api_client_for, store):
    response = api_client_for("store_manager").patch(
        f"{BASE}/S001/replenishment-settings/", {"service_level": "1.5"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "service_level"
    assert ReplenishmentSettings.objects.count() == 0


def test_store_service_level_setting_is_used_by_the_engine(store, product):
    repl_settings.update_level(scope="store", store=store, changes={"service_level": "0.99"})
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16)

    engine.run_store(store=store, day=NIGHT)

    s = Suggestion.objects.get()
    assert (s.service_level, s.sources["service_level"]) == (0.99, "store")
    assert "99% service" in s.reason


def test_alerts_are_deduplicated_and_mailed_once(settings, store, users, make_product):
    low, negative = make_product(), make_product()
    stock(store, low, on_hand=2)
    demand(store, low, level=10, variance=16)
    stock(store, negative, on_hand=-3)
    demand(store, negative, level=1)

    for day in (NIGHT, NIGHT + timedelta(days=1)):
        pipeline.run_night(store_id=store.pk, day=day)

    open_alerts = sorted(Alert.objects.filter(cleared_on__isnull=True).values_list("product_id", "kind"))
    assert open_alerts == sorted([(low.pk, "low"), (negative.pk, "negative")])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["store_manager@example.com"]
    assert "Negative stock" in mail.outbox[0].body and low.sku in mail.outbox[0].body


def test_an_alert_that_clears_and_comes_back_is_mailed_again(settings, store, users, product):
    from inventory.ledger import MovementLine, post_movements
    from inventory.models import MovementKind

    stock(store, product, on_hand=-1)
    demand(store, product, level=1)
    pipeline.run_night(store_id=store.pk, day=NIGHT)
    post_movements(
        store=store,
        lines=[MovementLine(product.pk, Decimal("500"), MovementKind.COUNT)],
        document_type="test",
        document_id=3,
    )
    pipeline.run_night(store_id=store.pk, day=NIGHT + timedelta(days=1))
    post_movements(
        store=store,
        lines=[MovementLine(product.pk, Decimal("-502"), MovementKind.SALE)],
        document_type="test",
        document_id=4,
    )
    pipeline.run_night(store_id=store.pk, day=NIGHT + timedelta(days=2))

    rows = list(Alert.objects.order_by("id").values_list("kind", "cleared_on"))
    assert rows == [("negative", NIGHT + timedelta(days=1)), ("negative", None)]
    assert len(mail.outbox) == 2


def test_alert_list_is_store_scoped(api_client_for, store, other_store, product):
    for s in (store, other_store):
        stock(s, product, on_hand=-1)
        demand(s, product, level=1)
        alerts.refresh_alerts(store=s, day=NIGHT, p=engine.run_store(store=s, day=NIGHT).plan)

    response = api_client_for("store_manager").get(f"{BASE}/S001/alerts/")

    assert response.status_code == 200
    assert [(a["sku"], a["kind"]) for a in response.json()["results"]] == [(product.sku, "negative")]
    assert api_client_for("store_manager").get(f"{BASE}/S002/alerts/").status_code == 404


def test_surplus_in_a_sibling_store_becomes_a_transfer_suggestion(store, sibling_store, product):
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)
    stock(sibling_store, product, on_hand=400)
    demand(sibling_store, product, level=2, variance=2)

    for s in (store, sibling_store):
        pipeline.run_night(store_id=s.pk, day=NIGHT)

    [t] = TransferSuggestion.objects.all()
    order = Suggestion.objects.get(store=store)
    need = order.order_up_to - 0
    assert (t.store_id, t.to_store_id, t.quantity) == (sibling_store.pk, store.pk, Decimal(int(need)))
    assert order.transfer_quantity == Decimal(int(need))
    assert order.quantity == Decimal("6") * ((Decimal(str(need)) - int(need)) > 0)
    assert "transfer of" in order.reason


def test_no_transfer_when_the_supplier_is_as_quick_as_a_transfer(store, sibling_store, product, supplier):
    repl_settings.update_level(scope="company", changes={"transfer_lead_days": "5"})
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)
    stock(sibling_store, product, on_hand=400)
    demand(sibling_store, product, level=2, variance=2)

    for s in (store, sibling_store):
        pipeline.run_night(store_id=s.pk, day=NIGHT)

    assert TransferSuggestion.objects.count() == 0
    assert Suggestion.objects.get(store=store).transfer_quantity == 0


def test_no_transfer_across_regions(store, other_store, product):
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)
    stock(other_store, product, on_hand=400)
    demand(other_store, product, level=2, variance=2)

    for s in (store, other_store):
        pipeline.run_night(store_id=s.pk, day=NIGHT)

    assert TransferSuggestion.objects.count() == 0


def test_rerunning_the_night_with_transfers_changes_nothing(store, sibling_store, product):
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)
    stock(sibling_store, product, on_hand=400)
    demand(sibling_store, product, level=2, variance=2)
    for s in (store, sibling_store):
        pipeline.run_night(store_id=s.pk, day=NIGHT)
    before = (
        list(TransferSuggestion.objects.values_list("store_id", "to_store_id", "quantity")),
        list(Suggestion.objects.values_list("store_id", "product_id", "quantity", "reason")),
    )

    for s in (store, sibling_store):
        pipeline.run_night(store_id=s.pk, day=NIGHT)

    after = (
        list(TransferSuggestion.objects.values_list("store_id", "to_store_id", "quantity")),
        list(Suggestion.objects.values_list("store_id", "product_id", "quantity", "reason")),
    )
    assert after == before


def test_pipeline_runs_are_visible_to_admins_only(api_client_for, store, product):
    stock(store, product, on_hand=5)
    demand(store, product, level=1)
    pipeline.run_night(store_id=store.pk, day=NIGHT)

    admin = api_client_for("admin").get("/api/v1/replenishment/runs/")
    manager = api_client_for("store_manager").get("/api/v1/replenishment/runs/")

    [run] = admin.json()["results"]
    assert (run["store"], run["status"], run["counts"]["store_products"]) == ("S001", "done", 1)
    assert manager.status_code == 403
