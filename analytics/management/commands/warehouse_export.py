"""Run the warehouse pipeline for one day by hand (the beat runs it nightly)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics import warehouse
from analytics.warehouse.export import s3_client
from analytics.warehouse.loader import loader_from_settings


class Command(BaseCommand):
    help = "Export one day's rollups to S3 (gzip CSV + manifest) and load them into the warehouse."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="business day, YYYY-MM-DD")
        parser.add_argument("--no-load", action="store_true", help="write the files and the manifest only")
        parser.add_argument("--apply-schema", action="store_true", help="create the warehouse tables first")

    def handle(self, *args, date: str, no_load: bool, apply_schema: bool, **options) -> None:
        try:
            day = _parse(date)
        except ValueError as exc:
            raise CommandError(f"--date: {date!r} is not an ISO date (YYYY-MM-DD)") from exc
        client = s3_client()
        if apply_schema:
            loader = loader_from_settings(s3_client=client)
            if loader is None:
                raise CommandError("--apply-schema: no warehouse configured (WAREHOUSE_STANDIN_URL or REDSHIFT_*)")
            loader.apply_schema()
        try:
            run = warehouse.run_day(day=day, client=client, load=not no_load)
        except warehouse.LoadFailed as exc:
            raise CommandError(f"load failed, warehouse unchanged: {exc}") from exc
        self.stdout.write(f"{day}: {run.status}, {run.rows} fact rows in {run.files} files")


def _parse(value: str):
    return date.fromisoformat(value)
