"""The beat schedule: each app keeps its entries in its own ``schedule.py`` (a plain dict
``BEAT_SCHEDULE`` importing nothing but ``celery.schedules``), merged here."""

from __future__ import annotations

import importlib

SOURCES = ("analytics.schedule", "inventory.schedule", "inventory.replenishment.schedule")


def beat_schedule() -> dict[str, dict]:
    merged: dict[str, dict] = {}
    for module_name in SOURCES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for name, entry in module.BEAT_SCHEDULE.items():
            if name in merged:
                raise ValueError(f"beat entry {name!r} is defined twice")
            merged[name] = entry
    return merged
