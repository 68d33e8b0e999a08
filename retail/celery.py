"""The Celery app. Tasks run eagerly unless ``CELERY_BROKER_URL`` is set."""

import os

from celery import Celery

from .schedule import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retail.settings")

app = Celery("retail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = beat_schedule()
app.autodiscover_tasks()
app.autodiscover_tasks(["inventory.replenishment"])
