"""The demo company (``python manage.py seed_demo``): 120 stores, ~5,000 products and
180 days of sales history, built in bulk and deterministic for a seed. See docs/DEMO.md.

Modules: ``company`` (regions, stores, users), ``catalogue`` (category tree, suppliers,
products), ``history`` (the numpy simulation), ``stock`` (rollups, levels, opening
balances), ``today`` (purchase orders and today's receipts through the real write paths),
``writer`` (COPY / executemany), ``build`` (the whole, in one transaction).
"""

from .build import Spec, Summary, build_demo_company, demo_data_present, reset_demo_data
from .company import DEMO_USERS, DemoUser

__all__ = ["DEMO_USERS", "DemoUser", "Spec", "Summary", "build_demo_company", "demo_data_present", "reset_demo_data"]
