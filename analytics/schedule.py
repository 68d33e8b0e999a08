"""Beat entries of the analytics app, merged into ``CELERY_BEAT_SCHEDULE`` by the settings."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "analytics-refresh-rollups": {"task": "analytics.tasks.refresh_rollups_periodic", "schedule": 120.0},
    # After the last store in the westernmost zone closed; rebuilds "yesterday" per store.
    "analytics-close-rollup-day": {"task": "analytics.tasks.close_rollup_day", "schedule": crontab(hour=4, minute=15)},
    # After the rollups of the day are closed.
    "analytics-warehouse-export": {"task": "analytics.tasks.warehouse_export", "schedule": crontab(hour=5, minute=0)},
    "analytics-scheduled-reports": {
        "task": "analytics.tasks.send_scheduled_reports",
        "schedule": crontab(hour=6, minute=0),
    },
    "analytics-expire-reports": {"task": "analytics.tasks.expire_reports", "schedule": crontab(minute=30)},
}
