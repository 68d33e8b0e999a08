from __future__ import annotations

from datetime import date

import pytest

from analytics import rollups
from analytics.models import ReportRequest
from analytics.tests.factories import sell

SALES = "/api/v1/analytics/sales/"
WINDOW = {"from": "2026-11-01", "to": "2026-11-28"}


@pytest.fixture
def sales_everywhere(store, sibling_store, other_store, make_product):
    product = make_product()
    day = date(2026, 11, 12)
    for shop, units in ((store, "1"), (sibling_store, "2"), (other_store, "4")):
        sell(shop, day, [(product, units, "2.50")])
        rollups.refresh_day(store_id=shop.pk, day=day)
    return product


def labels(response) -> list[str]:
    return [row["label"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("store_manager", ["S001"]), ("regional_manager", ["S001", "S003"]), ("analyst", ["S001", "S002", "S003"])],
)
def test_each_role_sees_its_own_stores(api_client_for, sales_everywhere, role, expected):
    response = api_client_for(role).get(SALES, {**WINDOW, "group_by": "store"})

    assert response.status_code == 200
    assert sorted(labels(response)) == expected


def test_clerk_and_device_may_not_read_kpis(api_client_for, sales_everywhere):
    assert api_client_for("clerk").get(SALES, WINDOW).status_code == 403
    assert api_client_for("pos").get(SALES, WINDOW).status_code == 403
    assert api_client_for("anonymous").get(SALES, WINDOW).status_code in (401, 403)


def test_store_outside_visibility_is_404(api_client_for, sales_everywhere):
    response = api_client_for("regional_manager").get(SALES, {**WINDOW, "store": "S002"})

    assert response.status_code == 404
    assert "results" not in response.json()


def test_region_outside_visibility_is_404(api_client_for, sales_everywhere):
    assert api_client_for("store_manager").get(SALES, {**WINDOW, "region": "SOUTH"}).status_code == 404


def test_region_filter_for_the_analyst(api_client_for, sales_everywhere):
    response = api_client_for("analyst").get(SALES, {**WINDOW, "region": "NORTH", "group_by": "region"})

    assert [(r["label"], r["net_sales"]) for r in response.json()["results"]] == [("NORTH", 7.5)]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "2026-02-30"}, "from", "invalid"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "to", "invalid"),
        ({"group_by": "supplier"}, "group_by", "invalid_choice"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from", "invalid"),
    ],
)
def test_bad_query_is_400_naming_the_field(api_client_for, params, field, code):
    response = api_client_for("analyst").get(SALES, params)

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == field
    assert response.json()["detail"][0]["code"] == code


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/analytics/sales/?group_by=region",
        "/api/v1/analytics/inventory/?group_by=category",
        "/api/v1/analytics/abc/",
        "/api/v1/analytics/dead-stock/",
        "/api/v1/analytics/movers/",
        "/api/v1/analytics/shrinkage/",
        "/api/v1/analytics/forecast-accuracy/",
        "/api/v1/analytics/reports/",
    ],
)
def test_kpi_endpoints_answer_within_a_query_budget(
    api_client_for, sales_everywhere, url, django_assert_max_num_queries
):
    client = api_client_for("regional_manager")

    with django_assert_max_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200


def test_abc_per_store_when_a_store_is_named(api_client_for, sales_everywhere):
    response = api_client_for("store_manager").get("/api/v1/analytics/abc/", {**WINDOW, "store": "S001"})

    body = response.json()
    assert body["per_store"] is True
    assert [(r["store"], r["class"]) for r in body["results"]] == [("S001", "A")]


def test_report_request_outside_visibility_is_404_and_records_nothing(api_client_for):
    response = api_client_for("store_manager").post(
        "/api/v1/analytics/reports/", {"kind": "stock_levels", "store": "S002"}, format="json"
    )

    assert response.status_code == 404
    assert not ReportRequest.objects.exists()


def test_report_request_with_a_bad_kind_is_400(api_client_for):
    response = api_client_for("analyst").post("/api/v1/analytics/reports/", {"kind": "everything"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "kind"
    assert not ReportRequest.objects.exists()


def test_someone_elses_report_is_404(api_client_for, users):
    report = ReportRequest.objects.create(kind="abc", requested_by=users["analyst"], scope={})

    assert api_client_for("admin").get(f"/api/v1/analytics/reports/{report.pk}/").status_code == 404
    assert api_client_for("analyst").get(f"/api/v1/analytics/reports/{report.pk}/").status_code == 200
