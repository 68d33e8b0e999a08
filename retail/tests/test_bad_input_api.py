"""Bad input found by the schema fuzz outside the POS endpoints, kept as plain tests."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("ids", [[-6542900943771822718976], [2**63], [0], [-1], [True], [], "1", [1] * 5001])
def test_suggestion_ids_out_of_range_are_400_not_500(api_client_for, store, action, ids):
    response = api_client_for("store_manager").post(
        f"/api/v1/stores/{store.code}/suggestions/{action}/", {"ids": ids}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "ids"
