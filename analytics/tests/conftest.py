"""Real parts for the analytics tests: an S3-compatible server (moto's server mode, on
127.0.0.1 and a free port) and a PostgreSQL database standing in for Redshift."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server that lives for the session."""
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    }.items():  # fmt: skip
        os.environ.setdefault(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server, settings) -> Iterator[tuple[object, str]]:
    """A fresh bucket on the server, with the settings pointing at it; (client, name)."""
    import boto3

    name = f"bucket-{free_port()}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    settings.AWS_S3_ENDPOINT_URL = s3_server
    settings.WAREHOUSE_EXPORT_BUCKET = name
    yield client, name


@pytest.fixture
def standin_url(db) -> Iterator[str]:
    """A separate PostgreSQL database standing in for Redshift, dropped at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("the Redshift stand-in is a PostgreSQL database; this run is on SQLite")
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_wh"
    host = params.get("HOST") or "127.0.0.1"
    user = params.get("USER") or "postgres"
    port = params.get("PORT") or 5432
    password = params.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    admin_url = f"postgresql://{auth}@{host}:{port}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{auth}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
