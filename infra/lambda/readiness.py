"""Probe ``/readyz`` from outside, once a minute, and publish what it saw.

``Ready`` is 1 when the site answered 200 (database, cache and broker reachable), else 0;
``ReadyLatency`` is the round trip in milliseconds. An alarm on ``Ready`` catches what the
ALB's ``/healthz`` check cannot: processes alive while a dependency is down.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from typing import Any

import boto3

TIMEOUT_SECONDS = 5


def probe(url: str, *, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, float]:
    """(ready, latency in ms). Any error, timeout or non-200 answer counts as not ready."""
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"User-Agent": "retail-readiness-probe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            ready = response.status == 200
    except (urllib.error.URLError, TimeoutError, OSError):
        ready = False
    return ready, round((time.perf_counter() - started) * 1000, 1)


def publish(*, cloudwatch: Any, namespace: str, environment: str, ready: bool, latency_ms: float) -> None:
    dimensions = [{"Name": "Environment", "Value": environment}]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Ready", "Dimensions": dimensions, "Value": 1.0 if ready else 0.0, "Unit": "Count"},
            {"MetricName": "ReadyLatency", "Dimensions": dimensions, "Value": latency_ms, "Unit": "Milliseconds"},
        ],
    )


def handler(event: dict[str, Any], context: object, *, cloudwatch: Any = None, prober=probe) -> dict[str, Any]:
    ready, latency_ms = prober(os.environ["READYZ_URL"])
    publish(
        cloudwatch=cloudwatch or boto3.client("cloudwatch"),
        namespace=os.environ["METRIC_NAMESPACE"],
        environment=os.environ["ENVIRONMENT_NAME"],
        ready=ready,
        latency_ms=latency_ms,
    )
    return {"ready": ready, "latency_ms": latency_ms}
