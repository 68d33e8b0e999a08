"""``manage.py check_ledger``: OK with the number of levels, or the list and a non-zero exit."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.models import StockLevel

from .document_helpers import give_stock

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("check_ledger", *args, stdout=out)
    return out.getvalue()


def test_a_consistent_ledger_is_ok(store, other_store, make_product):
    a, b = make_product("A"), make_product("B")
    give_stock(store, a, 3)
    give_stock(store, b, 1)
    give_stock(other_store, a, 2)

    assert run() == "ledger OK: 3 levels checked\n"
    assert run("--store", "S002") == "ledger OK: 1 levels checked\n"


def test_a_mismatch_is_listed_and_fails(store, other_store, make_product):
    a = make_product("A")
    give_stock(store, a, 3)
    give_stock(other_store, a, 3)
    StockLevel.objects.filter(store=store, product=a).update(on_hand=Decimal("7"))
    out = StringIO()

    with pytest.raises(CommandError, match="1 levels differ"):
        call_command("check_ledger", stdout=out)

    assert out.getvalue() == "S001\tA\ton_hand=7.000\tmovements=3.000\tdifference=4.000\n"
    assert run("--store", "S002") == "ledger OK: 1 levels checked\n"


def test_an_unknown_store_is_an_error(db):
    with pytest.raises(CommandError, match="no store with code NOPE"):
        run("--store", "NOPE")
