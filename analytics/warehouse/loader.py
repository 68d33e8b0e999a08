"""Loading an exported day into the warehouse, in ONE transaction.

Two loaders run the same :func:`~analytics.warehouse.statements.load_steps`:

- :class:`RedshiftDataApiLoader` sends them through the Redshift Data API
  (``batch_execute_statement``, which runs its statements as a single transaction) and
  polls ``describe_statement`` until it finished. The COPY reads the manifest with the
  cluster's IAM role.
- :class:`StandinLoader` runs them on a PostgreSQL database (``WAREHOUSE_STANDIN_URL``) in
  one transaction. It adapts ONLY the COPY step: it reads the manifest and its files from
  S3 and streams them into the staging table with ``COPY ... FROM STDIN``. A mandatory
  entry that is missing raises, and the transaction rolls back.

Either way a failed load leaves the facts exactly as they were.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Sequence
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .statements import Step, schema_statements, standin_ddl

logger = logging.getLogger(__name__)


class LoadFailed(Exception):
    pass


class StandinLoader:
    def __init__(self, *, url: str, s3_client) -> None:
        self.url = url
        self.s3 = s3_client

    def _connect(self):
        import psycopg

        return psycopg.connect(self.url)

    def apply_schema(self) -> None:
        with self._connect() as conn, conn.transaction():
            for statement in schema_statements():
                conn.execute(standin_ddl(statement))

    def load(self, steps: Sequence[Step], *, manifests: dict[str, str]) -> None:
        """Run ``steps`` in one transaction; ``manifests`` maps a table to its manifest URL."""
        with self._connect() as conn:
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    for step in steps:
                        if step.copy_of is None:
                            cursor.execute(step.sql)
                        else:
                            self._copy(cursor, step, manifests[step.copy_of.table])
            except LoadFailed:
                raise
            except Exception as exc:
                raise LoadFailed(str(exc)) from exc

    def _copy(self, cursor, step: Step, manifest_url: str) -> None:
        bucket, key = _split_s3(manifest_url)
        manifest = json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        dataset = step.copy_of
        columns = ", ".join(dataset.columns)
        with cursor.copy(f"COPY {dataset.staging} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            for entry in manifest["entries"]:
                part_bucket, part_key = _split_s3(entry["url"])
                try:
                    body = self.s3.get_object(Bucket=part_bucket, Key=part_key)["Body"]
                except self.s3.exceptions.NoSuchKey as exc:
                    if entry.get("mandatory"):
                        raise LoadFailed(f"mandatory file missing: {entry['url']}") from exc
                    continue
                with gzip.GzipFile(fileobj=body) as stream:
                    while chunk := stream.read(1 << 20):
                        copy.write(chunk)


class RedshiftDataApiLoader:
    def __init__(
        self, *, client, workgroup: str, database: str, secret_arn: str, poll_seconds: float = 2.0,
        timeout_seconds: float = 1800,
    ) -> None:  # fmt: skip
        self.client = client
        self.workgroup = workgroup
        self.database = database
        self.secret_arn = secret_arn
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds

    def _run(self, sqls: list[str], name: str) -> None:
        response = self.client.batch_execute_statement(
            WorkgroupName=self.workgroup,
            Database=self.database,
            SecretArn=self.secret_arn,
            Sqls=sqls,
            StatementName=name[:500],
        )
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            status = self.client.describe_statement(Id=response["Id"])
            if status["Status"] == "FINISHED":
                return
            if status["Status"] in {"FAILED", "ABORTED"}:
                raise LoadFailed(status.get("Error") or status["Status"])
            if time.monotonic() > deadline:
                self.client.cancel_statement(Id=response["Id"])
                raise LoadFailed("timed out waiting for Redshift")
            time.sleep(self.poll_seconds)

    def apply_schema(self) -> None:
        self._run(schema_statements(), "warehouse-schema")

    def load(self, steps: Sequence[Step], *, manifests: dict[str, str]) -> None:
        self._run([step.sql for step in steps], "warehouse-load")


def _split_s3(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    if parsed.scheme != "s3":
        raise LoadFailed(f"not an s3:// url: {url}")
    return parsed.netloc, parsed.path.lstrip("/")


def loader_from_settings(*, s3_client):
    """The stand-in when ``WAREHOUSE_STANDIN_URL`` is set, else Redshift when
    ``REDSHIFT_WORKGROUP`` is, else ``None`` (export only)."""
    if settings.WAREHOUSE_STANDIN_URL:
        return StandinLoader(url=settings.WAREHOUSE_STANDIN_URL, s3_client=s3_client)
    if settings.REDSHIFT_WORKGROUP:
        missing = [n for n in ("REDSHIFT_SECRET_ARN", "REDSHIFT_IAM_ROLE_ARN") if not getattr(settings, n)]
        if missing:
            raise ImproperlyConfigured(f"REDSHIFT_WORKGROUP is set but {', '.join(missing)} is not")
        import boto3

        return RedshiftDataApiLoader(
            client=boto3.client("redshift-data", region_name=settings.AWS_S3_REGION_NAME),
            workgroup=settings.REDSHIFT_WORKGROUP,
            database=settings.REDSHIFT_DATABASE,
            secret_arn=settings.REDSHIFT_SECRET_ARN,
        )
    return None
