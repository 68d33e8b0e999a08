"""Publish the Celery backlog as the CloudWatch metric ``QueueDepth``.

Run every minute on the beat host by ``retail-queue-depth.timer``. The worker Auto
Scaling group scales on this metric (infra/stacks/compute.yaml), so it lives here, next to
the deploy, rather than in the app. Queues are Redis lists on the broker; kombu keeps
priority levels in sibling lists (``<queue>\\x06\\x16<n>``), which are counted too.

Environment: ``CELERY_BROKER_URL``, ``METRIC_NAMESPACE``, ``CELERY_QUEUES`` (comma
separated, default ``celery``).
"""

from __future__ import annotations

import os
from typing import Any, Protocol

PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


class ListLengths(Protocol):
    def llen(self, name: str) -> int: ...


def queue_depths(client: ListLengths, queues: list[str]) -> dict[str, int]:
    """Tasks waiting per queue (priority sub-lists included)."""
    depths = {}
    for queue in queues:
        keys = [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
        depths[queue] = sum(int(client.llen(key)) for key in keys)
    return depths


def publish(*, cloudwatch: Any, namespace: str, depths: dict[str, int]) -> None:
    """``QueueDepth`` without dimensions (what scaling and alarms watch) and one per queue."""
    data = [{"MetricName": "QueueDepth", "Value": float(sum(depths.values())), "Unit": "Count"}]
    data += [
        {
            "MetricName": "QueueDepth",
            "Dimensions": [{"Name": "Queue", "Value": queue}],
            "Value": float(depth),
            "Unit": "Count",
        }
        for queue, depth in sorted(depths.items())
    ]
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def main() -> None:
    import boto3
    import redis

    queues = [q.strip() for q in os.environ.get("CELERY_QUEUES", "celery").split(",") if q.strip()]
    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_timeout=5, socket_connect_timeout=5)
    depths = queue_depths(client, queues)
    publish(cloudwatch=boto3.client("cloudwatch"), namespace=os.environ["METRIC_NAMESPACE"], depths=depths)
    print(f"queue_depth: {depths}")


if __name__ == "__main__":
    main()
