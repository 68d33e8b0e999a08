"""Drain a Celery worker before its instance is terminated by the Auto Scaling group.

Run on worker hosts by ``retail-drain.service``. The worker group has a lifecycle hook
(``drain-worker``, infra/stacks/compute.yaml) that holds a terminating instance in
``Terminating:Wait``. This script polls the instance metadata (IMDSv2) for that state;
when it comes, it tells the local worker to stop taking tasks (``cancel_consumer`` on
each queue), waits until the worker has none running or reserved (renewing the hook's
heartbeat meanwhile, up to ``DRAIN_MAX_SECONDS``), then completes the lifecycle action so
the instance goes. Without it a scale-in killed whatever ran past systemd's stop timeout,
and the task came back only after the broker's visibility timeout.

Environment: ``CELERY_QUEUES`` (comma separated, default ``celery``), ``DRAIN_MAX_SECONDS``
(default 1800: the longest task's hard time limit), plus the app's own environment (the
broker URL) for the Celery control client.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

HOOK_NAME = "drain-worker"
IMDS = "http://169.254.169.254"
POLL_SECONDS = 5.0
HEARTBEAT_EVERY_SECONDS = 300.0


class WorkerControl(Protocol):
    """What the drain needs of ``celery.app.control`` for one worker."""

    def stop_consuming(self, queue: str) -> None: ...
    def busy(self) -> int: ...


class Imds:
    """The instance metadata service, IMDSv2 (a session token on every request)."""

    def __init__(self, base: str = IMDS, timeout: float = 2.0) -> None:
        self.base, self.timeout = base, timeout

    def _token(self) -> str:
        request = urllib.request.Request(
            f"{self.base}/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            return answer.read().decode()

    def get(self, path: str) -> str | None:
        """The value at ``path``, or None when the service has none (404)."""
        request = urllib.request.Request(
            f"{self.base}/latest/meta-data/{path}", headers={"X-aws-ec2-metadata-token": self._token()}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.read().decode().strip()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise


def wait_for_termination(imds: Imds, *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once the Auto Scaling group has marked this instance for termination."""
    while imds.get("autoscaling/target-lifecycle-state") != "Terminated":
        sleep(POLL_SECONDS)


def drain(
    *,
    control: WorkerControl,
    queues: list[str],
    heartbeat: Callable[[], None],
    max_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Stop consuming, then wait for the running and reserved tasks to finish. True when
    the worker went idle, False when ``max_seconds`` ran out first (what still runs is
    redelivered: tasks are ``acks_late`` and idempotent)."""
    for queue in queues:
        control.stop_consuming(queue)
    start = last_beat = clock()
    while control.busy():
        if clock() - start >= max_seconds:
            return False
        if clock() - last_beat >= HEARTBEAT_EVERY_SECONDS:
            heartbeat()
            last_beat = clock()
        sleep(POLL_SECONDS)
    return True


def group_of(*, autoscaling: Any, instance_id: str) -> str:
    """The Auto Scaling group this instance belongs to."""
    found = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance_id])["AutoScalingInstances"]
    return found[0]["AutoScalingGroupName"]


def heartbeat(*, autoscaling: Any, instance_id: str, group: str) -> None:
    """Restart the hook's timeout while tasks are still running."""
    autoscaling.record_lifecycle_action_heartbeat(
        LifecycleHookName=HOOK_NAME, AutoScalingGroupName=group, InstanceId=instance_id
    )


def complete(*, autoscaling: Any, instance_id: str, group: str) -> None:
    """Let the Auto Scaling group terminate this instance."""
    autoscaling.complete_lifecycle_action(
        LifecycleHookName=HOOK_NAME,
        AutoScalingGroupName=group,
        LifecycleActionResult="CONTINUE",
        InstanceId=instance_id,
    )


class CeleryControl:
    """:class:`WorkerControl` for the worker on this host (``worker@<hostname>``)."""

    def __init__(self, app: Any, worker: str) -> None:
        self.app, self.worker = app, worker

    def stop_consuming(self, queue: str) -> None:
        self.app.control.cancel_consumer(queue, destination=[self.worker], reply=True, timeout=5)

    def busy(self) -> int:
        inspect = self.app.control.inspect(destination=[self.worker], timeout=5)
        running = (inspect.active() or {}).get(self.worker, [])
        reserved = (inspect.reserved() or {}).get(self.worker, [])
        return len(running) + len(reserved)


def main() -> None:
    import boto3

    from retail.celery import app

    imds = Imds()
    wait_for_termination(imds)
    instance_id = imds.get("instance-id") or ""
    autoscaling = boto3.client("autoscaling")
    group = group_of(autoscaling=autoscaling, instance_id=instance_id)
    queues = [q.strip() for q in os.environ.get("CELERY_QUEUES", "celery").split(",") if q.strip()]
    idle = drain(
        control=CeleryControl(app, f"worker@{socket.gethostname()}"),
        queues=queues,
        heartbeat=lambda: heartbeat(autoscaling=autoscaling, instance_id=instance_id, group=group),
        max_seconds=float(os.environ.get("DRAIN_MAX_SECONDS", "1800")),
    )
    complete(autoscaling=autoscaling, instance_id=instance_id, group=group)
    print(f"drain_worker: {instance_id} in {group} {'drained' if idle else 'not idle at the deadline'}; released")


if __name__ == "__main__":
    main()
