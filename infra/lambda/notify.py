"""A report or a warehouse export has landed in S3: tell people, once, on SNS.

S3 sends "Object Created" to EventBridge; a rule routes the reports and exports buckets
here. Every report file is announced; of an export only its ``manifest.json`` (written
last, after every part), so a day of ten datasets is ten messages, not hundreds.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

MANIFEST = "manifest.json"


def describe(event: dict[str, Any], *, reports_bucket: str, exports_bucket: str) -> dict[str, Any] | None:
    """The message for ``event``, or ``None`` when it is not worth one."""
    if event.get("detail-type") != "Object Created":
        return None
    detail = event.get("detail") or {}
    bucket = (detail.get("bucket") or {}).get("name")
    obj = detail.get("object") or {}
    key = obj.get("key")
    if not bucket or not key:
        return None
    if bucket == reports_bucket:
        kind = "report"
    elif bucket == exports_bucket and key.rsplit("/", 1)[-1] == MANIFEST:
        kind = "export"
    else:
        return None
    return {"kind": kind, "bucket": bucket, "key": key, "size": obj.get("size"), "time": event.get("time")}


def handler(event: dict[str, Any], context: object, *, sns: Any = None) -> dict[str, Any]:
    message = describe(event, reports_bucket=os.environ["REPORTS_BUCKET"], exports_bucket=os.environ["EXPORTS_BUCKET"])
    if message is None:
        return {"published": False}
    sns = sns or boto3.client("sns")
    response = sns.publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Subject=f"New {message['kind']}: {message['key'].rsplit('/', 1)[-1]}"[:100],
        Message=json.dumps(message, sort_keys=True),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": message["kind"]}},
    )
    return {"published": True, "message_id": response["MessageId"]}
