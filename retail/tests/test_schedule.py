"""Every beat entry names a task that exists."""

from __future__ import annotations

import pytest

from retail.celery import app
from retail.schedule import beat_schedule


@pytest.mark.django_db  # Celery's Django fix-up runs the model checks on import
def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    schedule = beat_schedule()

    missing = [entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks]
    assert missing == []
    assert "analytics-refresh-rollups" in schedule
