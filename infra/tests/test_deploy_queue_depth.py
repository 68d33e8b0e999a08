"""queue_depth.py: the Celery backlog, published as QueueDepth for worker scaling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from sources import load_source

queue_depth = load_source("deploy/queue_depth.py")


class FakeBroker:
    def __init__(self, lengths: dict[str, int]) -> None:
        self.lengths = lengths

    def llen(self, name: str) -> int:
        return self.lengths.get(name, 0)


@pytest.fixture
def cloudwatch(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("cloudwatch")


def maximum(cloudwatch, dimensions: list[dict]) -> float:
    now = datetime.now(UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace="retail/test",
        MetricName="QueueDepth",
        Dimensions=dimensions,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    [point] = stats["Datapoints"]
    return point["Maximum"]


def test_depth_counts_each_queue_and_its_priority_lists():
    broker = FakeBroker({"celery": 7, "celery\x06\x163": 2, "celery\x06\x169": 1, "reports": 4, "unrelated": 99})

    assert queue_depth.queue_depths(broker, ["celery", "reports"]) == {"celery": 10, "reports": 4}


def test_empty_queues_are_zero_not_missing():
    assert queue_depth.queue_depths(FakeBroker({}), ["celery"]) == {"celery": 0}


def test_publish_sends_the_total_without_dimensions_and_each_queue_with_one(cloudwatch):
    queue_depth.publish(cloudwatch=cloudwatch, namespace="retail/test", depths={"celery": 10, "reports": 4})

    assert maximum(cloudwatch, []) == 14.0
    assert maximum(cloudwatch, [{"Name": "Queue", "Value": "celery"}]) == 10.0
    assert maximum(cloudwatch, [{"Name": "Queue", "Value": "reports"}]) == 4.0
