"""Render the app's environment file from the instance's (non-secret) settings and the
secrets they name.

User data writes ``/etc/retail/instance.env`` (ARNs, endpoints, bucket names: nothing
secret). This script, run by install.sh at boot, fetches the secrets from Secrets
Manager, builds ``DATABASE_URL``, ``REDIS_URL`` (rediss://, the cache) and
``CELERY_BROKER_URL`` (rediss://, the broker) and writes ``/etc/retail/app.env``
(mode 0640, group retail) for the systemd units. Secrets never touch user data, the
templates or a log line.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import boto3

# Passed through unchanged from instance.env to the app.
PASS_THROUGH = (
    "DJANGO_ENV", "DJANGO_CSRF_TRUSTED_ORIGINS", "SITE_URL", "CELERY_BROKER_VISIBILITY_TIMEOUT",
    "AWS_STORAGE_BUCKET_NAME", "AWS_REPORTS_BUCKET_NAME", "WAREHOUSE_EXPORT_BUCKET", "AWS_S3_REGION_NAME",
    "AWS_DEFAULT_REGION", "REDSHIFT_WORKGROUP", "REDSHIFT_DATABASE", "REDSHIFT_IAM_ROLE_ARN", "REDSHIFT_SECRET_ARN",
    "METRIC_NAMESPACE", "GUNICORN_WORKERS", "CELERY_CONCURRENCY", "APP_PORT", "RETAIL_ROLE", "RETAIL_RELEASE",
)  # fmt: skip
SAFE_VALUE = re.compile(r"^[^\s\"'\\]*$")  # systemd EnvironmentFile, unquoted


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def local_ipv4(timeout: float = 2.0) -> str | None:
    """This instance's private address, over IMDSv2 (the ALB's health check uses it as Host)."""
    try:
        token_request = urllib.request.Request(
            "http://169.254.169.254/latest/api/token",
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        )
        with urllib.request.urlopen(token_request, timeout=timeout) as response:
            token = response.read().decode()
        request = urllib.request.Request(
            "http://169.254.169.254/latest/meta-data/local-ipv4", headers={"X-aws-ec2-metadata-token": token}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode().strip()
    except OSError:
        return None


def build_env(instance: dict[str, str], secret: Callable[[str], str], *, local_ip: str | None) -> dict[str, str]:
    """The app's environment. ``secret(arn)`` returns a SecretString."""
    database = json.loads(secret(instance["DATABASE_SECRET_ARN"]))
    cache_token = secret(instance["CACHE_AUTH_TOKEN_ARN"])
    broker_token = secret(instance["BROKER_AUTH_TOKEN_ARN"])
    hosts = [host for host in instance["DJANGO_ALLOWED_HOSTS"].split(",") if host]
    if local_ip:
        hosts.append(local_ip)
    env = {key: instance[key] for key in PASS_THROUGH if key in instance}
    env.update(
        {
            "DJANGO_SECRET_KEY": secret(instance["DJANGO_SECRET_KEY_ARN"]),
            "DJANGO_ALLOWED_HOSTS": ",".join(hosts),
            "DATABASE_URL": (
                f"postgres://{quote(database['username'], safe='')}:{quote(database['password'], safe='')}"
                f"@{instance['DATABASE_HOST']}:5432/{instance.get('DATABASE_NAME', 'retail')}?sslmode=require"
            ),
            "REDIS_URL": f"rediss://:{quote(cache_token, safe='')}@{instance['CACHE_HOST']}:6379/0",
            "CELERY_BROKER_URL": (
                f"rediss://:{quote(broker_token, safe='')}@{instance['BROKER_HOST']}:6379/0?ssl_cert_reqs=required"
            ),
        }
    )
    for key, value in env.items():
        if not SAFE_VALUE.match(value):
            raise ValueError(f"{key} has a character an EnvironmentFile cannot hold unquoted")
    return env


def write_env_file(env: dict[str, str], path: Path, *, group: str | None) -> None:
    """Atomically replace ``path`` (0640, root:group)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".app.env.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.writelines(f"{key}={value}\n" for key, value in sorted(env.items()))
        os.chmod(tmp, 0o640)
        if group:
            os.chown(tmp, 0, grp.getgrnam(group).gr_gid)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance-env", type=Path, default=Path("/etc/retail/instance.env"))
    parser.add_argument("--output", type=Path, default=Path("/etc/retail/app.env"))
    parser.add_argument("--group", default="retail")
    args = parser.parse_args()
    instance = read_env_file(args.instance_env)
    client = boto3.client("secretsmanager", region_name=instance["AWS_REGION"])
    env = build_env(instance, lambda arn: client.get_secret_value(SecretId=arn)["SecretString"], local_ip=local_ipv4())
    write_env_file(env, args.output, group=args.group)
    print(f"render_env: wrote {len(env)} variables to {args.output}")  # names only, never values


if __name__ == "__main__":
    main()
