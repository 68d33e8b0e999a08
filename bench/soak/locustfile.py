"""The soak's load: every store's tills at 10x a normal peak, plus signed-in people browsing.

Started by ``bench/soak/run.py`` (which seeds the credentials and reads the results);
it is a plain locustfile, configured by environment variables:

- ``SOAK_CREDENTIALS``  JSON file: ``{"stores": [{"code", "key"}], "sessions": [{"role", "store", "cookie"}]}``
- ``SOAK_OUT``          JSON file written at the end: acknowledged sale ids and failures per second
- ``SOAK_POS_USERS``    how many of the users are tills (one per store; the rest browse)

A normal peak is taken as 10 sales a minute per store (ten tills, one sale each a
minute), 3 lines a sale. At 10x that is 100 sales a minute per store: each store's till
starts a batch of 10 sales every 6 s (constant pacing: the rate offered does not fall
when answers slow down, unless an answer takes longer than 6 s), looks stock up every third round, and one batch
in ten is delivered twice (a retry after a lost answer), as a real till does. A till
retries a batch that failed (connection error, 5xx, 429) with the same ``pos_sale_id``s
until it is answered, so what the server acknowledged can be checked exactly once.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from locust import constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

CREDENTIALS = json.loads(Path(os.environ["SOAK_CREDENTIALS"]).read_text()) if os.environ.get("SOAK_CREDENTIALS") else {}
OUT = os.environ.get("SOAK_OUT", "")
SALES_PER_BATCH = 10
LINES_PER_SALE = 3
MAX_TILL_RETRIES = 60

_lock = threading.Lock()
acknowledged: dict[str, set[str]] = defaultdict(set)  # store -> pos_sale_ids answered created/duplicate
failures_by_second: dict[int, int] = defaultdict(int)
requests_by_second: dict[int, int] = defaultdict(int)
till_retries = 0
unanswered_batches = 0
_store_counter = iter(range(10**9))
_session_counter = iter(range(10**9))


@events.request.add_listener
def _count(request_type, name, response_time, response_length, exception=None, **kwargs):
    second = int(time.time())
    with _lock:
        requests_by_second[second] += 1
        if exception is not None:
            failures_by_second[second] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    if not OUT:
        return
    with _lock, open(OUT, "w") as handle:
        json.dump(
            {
                "acknowledged": {store: sorted(ids) for store, ids in acknowledged.items()},
                "failures_by_second": failures_by_second,
                "requests_by_second": requests_by_second,
                "till_retries": till_retries,
                "unanswered_batches": unanswered_batches,
            },
            handle,
        )


class Till(FastHttpUser):
    """One store's tills, posting through the store's device key."""

    weight = int(os.environ.get("SOAK_POS_USERS", "120"))
    wait_time = constant_pacing(6.0)  # one batch of 10 sales every 6 s whatever the latency: 100 sales/min (10x)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        stores = CREDENTIALS["stores"]
        store = stores[next(_store_counter) % len(stores)]
        self.code = store["code"]
        self.headers = {"Authorization": f"Bearer {store['key']}", "Content-Type": "application/json"}
        self.skus = CREDENTIALS["skus"]
        self.serial = 0
        self.tag = f"{self.code}-{random.getrandbits(32):08x}"
        self.last_batch: list[dict] | None = None
        self.rounds = 0

    def _sale(self) -> dict:
        self.serial += 1
        lines = [
            {"sku": random.choice(self.skus), "quantity": str(random.randint(1, 3)), "unit_price": "2.49"}
            for _ in range(LINES_PER_SALE)
        ]
        if random.random() < 0.01:
            lines[0] = {"barcode": "0000000000000", "quantity": "1", "unit_price": "1.00"}  # unknown: quarantined
        sold_at = datetime.now(UTC) - timedelta(seconds=random.randint(0, 120))
        return {"pos_sale_id": f"{self.tag}-{self.serial}", "sold_at": sold_at.isoformat(), "lines": lines}

    def _post_batch(self, sales: list[dict], name: str) -> None:
        global till_retries, unanswered_batches
        body = json.dumps({"sales": sales})
        for attempt in range(MAX_TILL_RETRIES):
            with self.client.post(
                f"/api/v1/stores/{self.code}/sales/batch/",
                data=body,
                headers=self.headers,
                name=name,
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    answer = response.json()
                    ok = {r["pos_sale_id"] for r in answer["results"] if r["status"] in ("created", "duplicate")}
                    with _lock:
                        acknowledged[self.code].update(ok)
                    if answer["error"]:
                        response.failure(f"{answer['error']} sales refused")
                    else:
                        response.success()
                    return
                response.failure(f"HTTP {response.status_code}")
            with _lock:
                till_retries += 1
            time.sleep(min(1 + attempt, 5))
        with _lock:
            unanswered_batches += 1

    @task
    def sell(self) -> None:
        self.rounds += 1
        if self.last_batch is not None and random.random() < 0.1:
            self._post_batch(self.last_batch, "POST sales/batch (replayed)")
        batch = [self._sale() for _ in range(SALES_PER_BATCH)]
        self._post_batch(batch, "POST sales/batch")
        self.last_batch = batch
        if self.rounds % 3 == 0:
            self.client.get(
                f"/api/v1/stores/{self.code}/stock/lookup/?code={random.choice(self.skus)}",
                headers=self.headers,
                name="GET stock/lookup (till)",
            )


class Person(FastHttpUser):
    """A signed-in store manager or analyst, reading pages of the API with a session."""

    weight = int(os.environ.get("SOAK_PEOPLE", "500"))
    wait_time = constant_pacing(30.0)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        sessions = CREDENTIALS["sessions"]
        me = sessions[next(_session_counter) % len(sessions)]
        self.role, self.store = me["role"], me["store"]
        self.headers = {"Cookie": f"sessionid={me['cookie']}", "Accept": "application/json"}
        self.stores = [s["code"] for s in CREDENTIALS["stores"]]

    def _get(self, path: str, name: str) -> None:
        self.client.get(path, headers=self.headers, name=name)

    @task(4)
    def stock(self) -> None:
        store = self.store or random.choice(self.stores)
        self._get(f"/api/v1/stores/{store}/stock/?page_size=50", "GET stores/{code}/stock/")

    @task(2)
    def sales(self) -> None:
        store = self.store or random.choice(self.stores)
        self._get(f"/api/v1/stores/{store}/sales/?page_size=20", "GET stores/{code}/sales/")

    @task(2)
    def suggestions(self) -> None:
        store = self.store or random.choice(self.stores)
        self._get(f"/api/v1/stores/{store}/suggestions/", "GET stores/{code}/suggestions/")

    @task(2)
    def kpis(self) -> None:
        self._get("/api/v1/analytics/sales/?group_by=store", "GET analytics/sales/")

    @task(1)
    def me(self) -> None:
        self._get("/api/v1/me/", "GET me/")

    @task(1)
    def stores_list(self) -> None:
        self._get("/api/v1/stores/", "GET stores/")
