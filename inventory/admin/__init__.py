"""Admin for inventory, one module per area (each registers its own models)."""

from . import catalogue, documents, replenishment, sales  # noqa: F401
