"""drain_worker.py: a terminating worker stops taking tasks, lets the running ones finish
(keeping the lifecycle hook alive) and only then releases its instance.

The instance metadata service is a real HTTP server on 127.0.0.1 speaking IMDSv2 (token
required); the Auto Scaling calls go through botocore's Stubber, which checks every
request against the service's own API model (moto 5 does not implement lifecycle actions).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber
from sources import load_source

drain_worker = load_source("deploy/drain_worker.py")
INSTANCE = "i-0123456789abcdef0"
GROUP = "retail-production-WorkerGroup-ABC123"
TOKEN = "token-for-the-test"


class Metadata(BaseHTTPRequestHandler):
    """IMDSv2: PUT /latest/api/token, then GETs carrying the token; 401 without it."""

    values: dict[str, str] = {}
    reads: list[str] = []

    def do_PUT(self) -> None:
        if self.path != "/latest/api/token" or "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
            self._answer(400, "")
            return
        self._answer(200, TOKEN)

    def do_GET(self) -> None:
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            self._answer(401, "")
            return
        path = self.path.removeprefix("/latest/meta-data/")
        self.reads.append(path)
        value = self.values.get(path)
        self._answer(404 if value is None else 200, value or "")

    def _answer(self, status: int, body: str) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def imds():
    Metadata.values, Metadata.reads = {"instance-id": INSTANCE}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield drain_worker.Imds(base=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()


class FakeWorker:
    """A worker that finishes one task per poll once it has stopped consuming."""

    def __init__(self, running: int) -> None:
        self.running = running
        self.stopped: list[str] = []

    def stop_consuming(self, queue: str) -> None:
        self.stopped.append(queue)

    def busy(self) -> int:
        if self.stopped and self.running:
            self.running -= 1
        return self.running


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_imds_v2_lifecycle_state_is_read_with_a_token_and_absent_means_none(imds):
    assert imds.get("instance-id") == INSTANCE
    assert imds.get("autoscaling/target-lifecycle-state") is None
    Metadata.values["autoscaling/target-lifecycle-state"] = "InService"
    assert imds.get("autoscaling/target-lifecycle-state") == "InService"


def test_waits_in_service_and_returns_when_the_group_marks_the_instance_terminated(imds):
    Metadata.values["autoscaling/target-lifecycle-state"] = "InService"
    polls = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 3:
            Metadata.values["autoscaling/target-lifecycle-state"] = "Terminated"

    drain_worker.wait_for_termination(imds, sleep=sleep)

    assert polls == [drain_worker.POLL_SECONDS] * 3
    assert Metadata.reads.count("autoscaling/target-lifecycle-state") == 4


def test_drain_stops_every_queue_then_waits_for_running_tasks_with_heartbeats():
    worker, clock, beats = FakeWorker(running=130), Clock(), []

    idle = drain_worker.drain(
        control=worker,
        queues=["celery", "reports"],
        heartbeat=lambda: beats.append(clock.now),
        max_seconds=1800,
        clock=clock,
        sleep=clock.sleep,
    )

    assert idle is True
    assert worker.stopped == ["celery", "reports"]
    # 129 polls of 5 s = 645 s: the hook (600 s) is renewed every 300 s meanwhile
    assert beats == [300.0, 600.0]


def test_drain_gives_up_at_the_deadline_and_says_so():
    worker, clock = FakeWorker(running=10_000), Clock()

    idle = drain_worker.drain(
        control=worker, queues=["celery"], heartbeat=lambda: None, max_seconds=60, clock=clock, sleep=clock.sleep
    )

    assert idle is False
    assert clock.now == 60


def test_an_idle_worker_is_released_at_once():
    worker, clock = FakeWorker(running=0), Clock()

    assert drain_worker.drain(
        control=worker, queues=["celery"], heartbeat=lambda: None, max_seconds=60, clock=clock, sleep=clock.sleep
    )
    assert clock.now == 0


def test_finds_its_group_keeps_the_hook_alive_and_releases_this_instance():
    client = boto3.client("autoscaling", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_auto_scaling_instances",
            {
                "AutoScalingInstances": [
                    {
                        "InstanceId": INSTANCE,
                        "AutoScalingGroupName": GROUP,
                        "AvailabilityZone": "us-east-1a",
                        "LifecycleState": "Terminating:Wait",
                        "HealthStatus": "HEALTHY",
                        "ProtectedFromScaleIn": False,
                    }
                ]
            },
            {"InstanceIds": [INSTANCE]},
        )
        hook = {"LifecycleHookName": "drain-worker", "AutoScalingGroupName": GROUP, "InstanceId": INSTANCE}
        stub.add_response("record_lifecycle_action_heartbeat", {}, hook)
        stub.add_response(
            "complete_lifecycle_action",
            {},
            {
                "LifecycleHookName": "drain-worker",
                "AutoScalingGroupName": GROUP,
                "LifecycleActionResult": "CONTINUE",
                "InstanceId": INSTANCE,
            },
        )

        group = drain_worker.group_of(autoscaling=client, instance_id=INSTANCE)
        drain_worker.heartbeat(autoscaling=client, instance_id=INSTANCE, group=group)
        drain_worker.complete(autoscaling=client, instance_id=INSTANCE, group=group)

        assert group == GROUP
        stub.assert_no_pending_responses()


class FakeInspect:
    def __init__(self, active, reserved) -> None:
        self._active, self._reserved = active, reserved

    def active(self):
        return self._active

    def reserved(self):
        return self._reserved


class FakeApp:
    """The part of a Celery app's ``control`` the drain uses, recording the calls."""

    def __init__(self, active, reserved) -> None:
        self.calls: list[tuple] = []
        self.control = self
        self._inspect = FakeInspect(active, reserved)

    def cancel_consumer(self, queue, destination=None, **kwargs):
        self.calls.append(("cancel_consumer", queue, destination))

    def inspect(self, destination=None, timeout=1.0):
        self.calls.append(("inspect", destination))
        return self._inspect


def test_celery_control_addresses_only_this_hosts_worker_and_counts_running_and_reserved():
    worker = "worker@ip-10-0-1-23"
    app = FakeApp(active={worker: [{"id": "a"}, {"id": "b"}]}, reserved={worker: [{"id": "c"}]})
    control = drain_worker.CeleryControl(app, worker)

    control.stop_consuming("celery")

    assert control.busy() == 3
    assert app.calls == [("cancel_consumer", "celery", [worker]), ("inspect", [worker])]
    # no reply at all (the worker already gone) counts as idle
    assert drain_worker.CeleryControl(FakeApp(active=None, reserved=None), worker).busy() == 0
