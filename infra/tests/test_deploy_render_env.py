"""render_env.py: instance settings + Secrets Manager -> the app's environment file."""

from __future__ import annotations

import json
import stat

import boto3
import pytest
from moto import mock_aws
from sources import load_source

render_env = load_source("deploy/render_env.py")

INSTANCE = {
    "RETAIL_ROLE": "web",
    "AWS_REGION": "us-east-1",
    "DJANGO_ENV": "production",
    "DJANGO_ALLOWED_HOSTS": "ops.example.com",
    "SITE_URL": "https://ops.example.com",
    "DATABASE_HOST": "db.internal",
    "CACHE_HOST": "cache.internal",
    "BROKER_HOST": "broker.internal",
    "CELERY_BROKER_VISIBILITY_TIMEOUT": "7200",
    "AWS_STORAGE_BUCKET_NAME": "media",
}


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("secretsmanager")
        arns = {
            "DJANGO_SECRET_KEY_ARN": client.create_secret(Name="django", SecretString="k" * 64)["ARN"],
            "DATABASE_SECRET_ARN": client.create_secret(
                Name="db", SecretString=json.dumps({"username": "retail_admin", "password": "pw0rd/with+odd"})
            )["ARN"],
            "CACHE_AUTH_TOKEN_ARN": client.create_secret(Name="cache", SecretString="cachetoken")["ARN"],
            "BROKER_AUTH_TOKEN_ARN": client.create_secret(Name="broker", SecretString="brokertoken")["ARN"],
        }
        yield client, {**INSTANCE, **arns}


def fetch(client):
    return lambda arn: client.get_secret_value(SecretId=arn)["SecretString"]


def test_urls_are_built_from_the_secrets_with_tls(secrets):
    client, instance = secrets

    env = render_env.build_env(instance, fetch(client), local_ip="10.40.48.7")

    assert env["DATABASE_URL"] == "postgres://retail_admin:pw0rd%2Fwith%2Bodd@db.internal:5432/retail?sslmode=require"
    assert env["REDIS_URL"] == "rediss://:cachetoken@cache.internal:6379/0"
    assert env["CELERY_BROKER_URL"] == "rediss://:brokertoken@broker.internal:6379/0?ssl_cert_reqs=required"
    assert env["DJANGO_SECRET_KEY"] == "k" * 64
    assert env["CELERY_BROKER_VISIBILITY_TIMEOUT"] == "7200"


def test_the_instance_address_is_allowed_so_the_alb_health_check_passes(secrets):
    client, instance = secrets

    assert render_env.build_env(instance, fetch(client), local_ip="10.40.48.7")["DJANGO_ALLOWED_HOSTS"] == (
        "ops.example.com,10.40.48.7"
    )
    assert render_env.build_env(instance, fetch(client), local_ip=None)["DJANGO_ALLOWED_HOSTS"] == "ops.example.com"


def test_arns_and_unknown_keys_are_not_passed_to_the_app(secrets):
    client, instance = secrets

    env = render_env.build_env({**instance, "SOMETHING_ELSE": "x"}, fetch(client), local_ip=None)

    assert not [key for key in env if key.endswith("_ARN") and key != "REDSHIFT_SECRET_ARN"]
    assert "SOMETHING_ELSE" not in env


def test_a_value_an_environment_file_cannot_hold_is_refused(secrets):
    client, instance = secrets

    with pytest.raises(ValueError, match="SITE_URL"):
        render_env.build_env({**instance, "SITE_URL": "has space"}, fetch(client), local_ip=None)


def test_the_file_is_written_atomically_and_not_world_readable(tmp_path):
    target = tmp_path / "etc" / "app.env"

    render_env.write_env_file({"B": "2", "A": "1"}, target, group=None)

    assert target.read_text() == "A=1\nB=2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["app.env"]


def test_instance_env_is_read_as_plain_key_value_lines(tmp_path):
    path = tmp_path / "instance.env"
    path.write_text("# written by user data\nRETAIL_ROLE=beat\nSITE_URL=https://ops.example.com\n\n")

    assert render_env.read_env_file(path) == {"RETAIL_ROLE": "beat", "SITE_URL": "https://ops.example.com"}
