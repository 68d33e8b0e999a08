"""Beat entries of inventory, merged by ``retail.schedule``."""

BEAT_SCHEDULE = {
    # Events the after-commit relay could not hand over (broker down, worker lost).
    "inventory-relay-outbox": {"task": "inventory.tasks.relay_outbox", "schedule": 60.0},
}
