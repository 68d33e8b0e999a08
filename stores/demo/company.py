"""The company's shape: regions, stores, and one demo user per role.

A US home-improvement chain: eight regions over five time zones (so the stores' business
days differ: a Pacific store is still on yesterday when an Eastern one has opened), three
store formats of different size and reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import numpy as np
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stores.models import Membership, Region, Role, Scope, Store, StoreFormat

REGIONS = [  # code, name, time zone
    ("NE", "Northeast", "America/New_York"),
    ("SE", "Southeast", "America/New_York"),
    ("MW", "Midwest", "America/Chicago"),
    ("SC", "South Central", "America/Chicago"),
    ("MT", "Mountain", "America/Denver"),
    ("SW", "Desert Southwest", "America/Phoenix"),
    ("PN", "Pacific Northwest", "America/Los_Angeles"),
    ("CA", "California", "America/Los_Angeles"),
]
TOWNS = {
    "NE": ["Albany", "Hartford", "Worcester", "Providence", "Scranton", "Burlington", "Portland ME", "Syracuse",
           "Springfield MA", "New Haven", "Allentown", "Manchester NH", "Utica", "Stamford", "Lowell"],
    "SE": ["Raleigh", "Savannah", "Charleston", "Greenville", "Knoxville", "Chattanooga", "Columbia", "Augusta",
           "Asheville", "Tallahassee", "Macon", "Wilmington", "Durham", "Athens", "Roanoke"],
    "MW": ["Madison", "Peoria", "Toledo", "Dayton", "Grand Rapids", "Fort Wayne", "Akron", "Lansing",
           "Rockford", "Cedar Rapids", "Kalamazoo", "Green Bay", "Evansville", "Ann Arbor", "Springfield IL"],
    "SC": ["Tulsa", "Wichita", "Little Rock", "Shreveport", "Lubbock", "Waco", "Amarillo", "Baton Rouge",
           "Norman", "Fort Smith", "Tyler", "Abilene", "Lafayette", "Killeen", "Midland"],
    "MT": ["Boise", "Billings", "Cheyenne", "Fort Collins", "Pueblo", "Provo", "Ogden", "Missoula",
           "Casper", "Bozeman", "Idaho Falls", "Grand Junction", "Logan", "Greeley", "Helena"],
    "SW": ["Tucson", "Mesa", "Flagstaff", "Yuma", "Chandler", "Scottsdale", "Prescott", "Tempe",
           "Gilbert", "Glendale AZ", "Peoria AZ", "Sierra Vista", "Lake Havasu", "Surprise", "Kingman"],
    "PN": ["Spokane", "Tacoma", "Eugene", "Salem", "Bellingham", "Yakima", "Bend", "Olympia",
           "Kennewick", "Medford", "Everett", "Vancouver WA", "Corvallis", "Wenatchee", "Walla Walla"],
    "CA": ["Fresno", "Bakersfield", "Modesto", "Stockton", "Riverside", "Santa Rosa", "Redding", "Visalia",
           "Chico", "Salinas", "Oxnard", "Ventura", "Merced", "San Luis Obispo", "Temecula"],
}  # fmt: skip
STREETS = ["Main St", "Commerce Dr", "Market St", "Industrial Pkwy", "Highway 9", "Oak Ave", "Retail Way", "Mill Rd"]


@dataclass(frozen=True)
class Format:
    """A store format: share of the stores, floor area, demand relative to a standard
    store, share of the catalogue it carries, trading hours."""

    code: StoreFormat
    size_sqm: int
    demand: float
    assortment: float
    closes_at: time
    receipts_per_day: int


FORMATS = {
    StoreFormat.EXPRESS: Format(StoreFormat.EXPRESS, 450, 0.45, 0.40, time(21, 0), 30),
    StoreFormat.STANDARD: Format(StoreFormat.STANDARD, 1400, 1.0, 0.70, time(22, 0), 45),
    StoreFormat.SUPERSTORE: Format(StoreFormat.SUPERSTORE, 4200, 1.9, 1.00, time(22, 0), 60),
}
FORMAT_CYCLE = [
    StoreFormat.EXPRESS,
    StoreFormat.STANDARD,
    StoreFormat.EXPRESS,
    StoreFormat.STANDARD,
    StoreFormat.SUPERSTORE,
]  # fmt: skip  (2 : 2 : 1)
FORMAT_SUFFIX = {StoreFormat.EXPRESS: "Express", StoreFormat.STANDARD: "", StoreFormat.SUPERSTORE: "Superstore"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    scope: Scope
    password: str


DEMO_USERS = [  # fixed, printed at the end of the seed: this is a demo, not an installation
    DemoUser("clerk", Role.CLERK, Scope.STORE, "demo-clerk-2026"),
    DemoUser("store_manager", Role.STORE_MANAGER, Scope.STORE, "demo-manager-2026"),
    DemoUser("regional_manager", Role.REGIONAL_MANAGER, Scope.REGION, "demo-regional-2026"),
    DemoUser("analyst", Role.ANALYST, Scope.COMPANY, "demo-analyst-2026"),
    DemoUser("admin", Role.ADMIN, Scope.COMPANY, "demo-admin-2026"),
]
SEES = {Scope.STORE: _("store"), Scope.REGION: _("region"), Scope.COMPANY: _("every store")}


def create_stores(*, count: int, rng: np.random.Generator) -> list[Store]:
    """``count`` stores S001.. spread round-robin over the regions, formats cycling 2:2:1
    (S001 is an express store, S005 the first superstore)."""
    regions = Region.objects.bulk_create([Region(code=code, name=name) for code, name, _ in REGIONS])
    zones = {code: zone for code, _, zone in REGIONS}
    size_jitter = rng.uniform(0.8, 1.25, count)
    opened_years = rng.integers(1998, 2025, count)
    house_numbers = rng.integers(10, 9900, count)
    rows = []
    for n in range(count):
        region = regions[n % len(regions)]
        towns = TOWNS[region.code]
        visit = n // len(regions)
        town = towns[visit % len(towns)]
        if visit >= len(towns):
            town = f"{town} {['North', 'South', 'East', 'West'][(visit // len(towns) - 1) % 4]}"
        fmt = FORMATS[FORMAT_CYCLE[n % len(FORMAT_CYCLE)]]
        rows.append(
            Store(
                code=f"S{n + 1:03d}",
                name=" ".join(part for part in (town, FORMAT_SUFFIX[fmt.code]) if part),
                region=region,
                timezone=zones[region.code],
                address=f"{house_numbers[n]} {STREETS[n % len(STREETS)]}, {town}",
                format=fmt.code,
                size_sqm=int(fmt.size_sqm * size_jitter[n]),
                opened_on=date(int(opened_years[n]), 1 + n % 12, 1 + n % 28),
                closes_at=fmt.closes_at,
            )
        )
    return Store.objects.bulk_create(rows)


def create_users(*, first_store: Store) -> list:
    """One user per role: clerk and store manager of ``first_store``, the regional manager
    of its region, analyst and admin company-wide (the admin may also browse the Django
    admin). Admins set up their second factor at the first sign-in."""
    User = get_user_model()
    made = []
    for demo in DEMO_USERS:
        is_admin = demo.role == Role.ADMIN
        user = User.objects.create_user(
            username=demo.username, password=demo.password, email=f"{demo.username}@demo.example.com",
            first_name=demo.role.label, is_staff=is_admin, is_superuser=is_admin,
        )  # fmt: skip
        target = {Scope.STORE: {"store": first_store}, Scope.REGION: {"region": first_store.region}}
        Membership.objects.create(user=user, role=demo.role, scope=demo.scope, **target.get(demo.scope, {}))
        made.append(user)
    return made
