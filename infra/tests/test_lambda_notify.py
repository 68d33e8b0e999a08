"""The notify Lambda: S3 "Object Created" events (via EventBridge) become SNS messages."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from sources import load_source

notify = load_source("lambda/notify.py")

REPORTS, EXPORTS = "retail-test-reports", "retail-test-exports"


def s3_event(bucket: str, key: str, *, detail_type: str = "Object Created") -> dict:
    return {
        "source": "aws.s3",
        "detail-type": detail_type,
        "time": "2026-11-25T06:00:00Z",
        "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 2048}},
    }


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sns = boto3.client("sns")
        sqs = boto3.client("sqs")
        topic_arn = sns.create_topic(Name="files")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("TOPIC_ARN", topic_arn)
        monkeypatch.setenv("REPORTS_BUCKET", REPORTS)
        monkeypatch.setenv("EXPORTS_BUCKET", EXPORTS)
        yield sns, sqs, queue_url


def received(sqs, queue_url) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_a_new_report_is_published_once_with_its_location(aws):
    sns, sqs, queue_url = aws

    result = notify.handler(s3_event(REPORTS, "reports/2026/11/stock-north.xlsx"), None, sns=sns)

    assert result["published"] is True
    [envelope] = received(sqs, queue_url)
    assert envelope["Subject"] == "New report: stock-north.xlsx"
    assert json.loads(envelope["Message"]) == {
        "bucket": REPORTS,
        "key": "reports/2026/11/stock-north.xlsx",
        "kind": "report",
        "size": 2048,
        "time": "2026-11-25T06:00:00Z",
    }
    assert envelope["MessageAttributes"]["kind"]["Value"] == "report"


def test_an_export_is_announced_by_its_manifest_only(aws):
    sns, sqs, queue_url = aws
    prefix = "warehouse/fact_sales/day=2026-11-24"

    part = notify.handler(s3_event(EXPORTS, f"{prefix}/part-0000.csv.gz"), None, sns=sns)
    manifest = notify.handler(s3_event(EXPORTS, f"{prefix}/manifest.json"), None, sns=sns)

    assert part == {"published": False}
    assert manifest["published"] is True
    [envelope] = received(sqs, queue_url)
    assert json.loads(envelope["Message"])["kind"] == "export"


@pytest.mark.parametrize(
    "event",
    [
        s3_event("someone-elses-bucket", "reports/x.csv"),
        s3_event(REPORTS, "reports/x.csv", detail_type="Object Deleted"),
        {"detail-type": "Object Created", "detail": {}},
        {},
    ],
    ids=["other-bucket", "deleted", "no-object", "empty"],
)
def test_other_events_publish_nothing(aws, event):
    sns, sqs, queue_url = aws

    assert notify.handler(event, None, sns=sns) == {"published": False}
    assert received(sqs, queue_url) == []
