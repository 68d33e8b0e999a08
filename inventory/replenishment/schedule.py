"""Beat entries of replenishment, merged by ``retail.schedule``."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Each store runs after its own local close; the task picks those whose close has passed.
    "replenishment-start-due-nights": {
        "task": "inventory.replenishment.tasks.start_due_nights",
        "schedule": crontab(minute="*/15"),
    },
}
