"""Accepting or dismissing a transfer suggestion, through the API, from either end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import Transfer, TransferStatus, TransferSuggestion, TransferSuggestionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(store, sibling_store, product):
    return TransferSuggestion.objects.create(
        store=sibling_store, to_store=store, product=product, business_day=store.business_day(),
        quantity=Decimal("4"), sender_surplus=9, receiver_shortfall=4, reason="S003 has 9 beyond its cover",
    )  # fmt: skip


def url(store, suggestion, verb):
    return f"/api/v1/stores/{store.code}/transfer-suggestions/{suggestion.pk}/{verb}/"


def test_the_receiving_manager_accepts_and_a_transfer_is_requested(api_client_for, store, sibling_store, suggestion):
    response = api_client_for("store_manager").post(url(store, suggestion, "accept"), {}, format="json")

    assert response.status_code == 201, response.json()
    transfer = Transfer.objects.get(pk=response.json()["transfer_id"])
    assert (transfer.store, transfer.to_store, transfer.status) == (sibling_store, store, TransferStatus.REQUESTED)
    assert [(line.product_id, line.requested) for line in transfer.lines.all()] == [(suggestion.product_id, 4)]
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.transfer_id) == (TransferSuggestionStatus.ACCEPTED, transfer.pk)
    assert response.json()["suggestion"]["status"] == "accepted"


def test_accepting_another_quantity_and_twice(api_client_for, store, suggestion):
    client = api_client_for("store_manager")
    first = client.post(url(store, suggestion, "accept"), {"quantity": "2"}, format="json")
    assert Transfer.objects.get(pk=first.json()["transfer_id"]).lines.get().requested == 2

    again = client.post(url(store, suggestion, "accept"), {}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"][0]["code"] == "not_proposed"
    assert Transfer.objects.count() == 1


def test_a_bad_quantity_names_the_field_and_writes_nothing(api_client_for, store, suggestion):
    response = api_client_for("store_manager").post(url(store, suggestion, "accept"), {"quantity": "-3"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "quantity"
    assert not Transfer.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == TransferSuggestionStatus.PROPOSED


def test_dismiss_closes_it_without_a_transfer(api_client_for, store, suggestion):
    response = api_client_for("store_manager").post(url(store, suggestion, "dismiss"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert not Transfer.objects.exists()


def test_a_store_outside_the_suggestion_gets_404_and_a_clerk_403(api_client_for, other_store, store, suggestion):
    assert api_client_for("admin").post(url(other_store, suggestion, "accept"), {}, format="json").status_code == 404
    assert api_client_for("clerk").post(url(store, suggestion, "accept"), {}, format="json").status_code == 403
    assert TransferSuggestion.objects.get().status == TransferSuggestionStatus.PROPOSED
