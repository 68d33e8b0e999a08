"""Property-based requests against our own OpenAPI schema (schemathesis + hypothesis).

Every operation of ``/api/v1/schema/`` is called with generated data, valid and
invalid, by an authenticated admin (a personal bearer token, which reaches every
route), through the whole Django stack in-process. Each response must not be a 500
and must conform to the schema: a documented status code, the declared content type
and, where a body is described, a body of that shape.

Sized for CI: ``FUZZ_EXAMPLES`` cases per operation and generation mode (about
2,000 in total, 60-90 s on 2 shared cores). Raise it locally: ``FUZZ_EXAMPLES=200 pytest ...``.
"""

from __future__ import annotations

import os
from collections import Counter
from decimal import Decimal

import pytest
import schemathesis
from django.test.client import ClientHandler
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inventory.models import StockLevel
from stores.credentials import issue_api_token

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


_HANDLER = ClientHandler(enforce_csrf_checks=True)


def wsgi_app(environ, start_response):
    """Django behind Django's own test handler: the test's transaction stays open
    (the real handler would close the connection between requests)."""
    response = _HANDLER(environ)
    headers = list(response.items()) + [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content] if not response.streaming else response.streaming_content


TOTALS: Counter[int] = Counter()  # status code -> cases, over the whole module


@pytest.fixture(scope="module", autouse=True)
def _report_totals():
    yield
    print(f"\nschema fuzz: {sum(TOTALS.values())} cases, by status {dict(sorted(TOTALS.items()))}")


SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def fuzz_world(users, store, sibling_store, device, product, make_product, settings):
    """A store with stock, a second product, and the admin's bearer key; rate limits
    out of the way (they are tested in stores/tests/test_throttling.py)."""
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"device": "1000000/min", "user": "1000000/min"},
    }
    cache.clear()
    make_product("RICE-1KG", name="Rice 1 kg")
    StockLevel.objects.get_or_create(store=store, product=product, defaults={"on_hand": Decimal("10")})
    return {"key": issue_api_token(user=users["admin"], name="fuzz").key, "store": store.code}


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_operation_survives_generated_input(operation, fuzz_world):
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {fuzz_world['key']}"}

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), positive=st.just(mode == GenerationMode.POSITIVE))
        def run(case, positive):
            if positive and case.path_parameters and "store_code" in case.path_parameters:
                case.path_parameters["store_code"] = fuzz_world["store"]
            response = case.call(app=wsgi_app, headers=headers)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()

    TOTALS.update(statuses)
    assert statuses, "no case was generated"
    assert not any(code >= 500 for code in statuses), statuses
