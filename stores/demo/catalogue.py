"""The catalogue: a three-level category tree, suppliers with their terms, products with
valid EAN-13 barcodes, and the numbers the history simulation needs about each product.

Popularity has the long tail of a home-improvement chain: most items sell a few times a
month in a standard store, a few sell dozens a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from inventory.barcodes import make_ean13
from inventory.models import Barcode, Category, Product, ProductSupplier, Supplier

# department: {category: (yearly amplitude, peak day of year, [subcategories])}
TREE: dict[str, dict[str, tuple[float, int, list[str]]]] = {
    "Hardware": {
        "Hand tools": (0.05, 340, ["Hammers", "Screwdrivers", "Wrenches", "Measuring"]),
        "Power tools": (0.15, 345, ["Drills", "Saws", "Sanders"]),
        "Fasteners": (0.05, 120, ["Screws", "Nails", "Anchors"]),
        "Storage": (0.05, 20, ["Tool boxes", "Shelving"]),
    },
    "Garden": {
        "Plants": (0.70, 130, ["Annuals", "Shrubs", "Seeds & bulbs"]),
        "Lawn care": (0.60, 140, ["Fertiliser", "Lawn mowers", "Trimmers"]),
        "Watering": (0.65, 175, ["Hoses", "Sprinklers"]),
        "Outdoor living": (0.55, 160, ["Grills", "Patio furniture", "Outdoor lighting"]),
    },
    "Home": {
        "Kitchen": (0.10, 330, ["Cookware", "Kitchen storage", "Faucets"]),
        "Bath": (0.05, 60, ["Shower heads", "Bath accessories"]),
        "Cleaning": (0.10, 95, ["Cleaners", "Mops & brooms", "Vacuum bags"]),
        "Lighting": (0.20, 350, ["Bulbs", "Lamps"]),
    },
    "Paint": {
        "Interior paint": (0.20, 100, ["Wall paint", "Ceiling paint", "Primer"]),
        "Exterior paint": (0.50, 170, ["House paint", "Stain & sealer"]),
        "Supplies": (0.25, 130, ["Brushes", "Rollers & trays", "Tape & drop cloths"]),
    },
    "Seasonal": {
        "Heating": (0.90, 15, ["Space heaters", "Weatherstripping"]),
        "Cooling": (0.90, 200, ["Fans", "Air conditioners"]),
        "Holiday": (0.95, 350, ["Lights", "Decorations"]),
        "Snow & ice": (0.95, 20, ["Shovels", "Ice melt"]),
    },
    "Building": {
        "Lumber": (0.25, 150, ["Boards", "Plywood"]),
        "Drywall": (0.10, 120, ["Panels", "Joint compound"]),
        "Flooring": (0.10, 80, ["Laminate", "Tile", "Carpet"]),
    },
    "Electrical": {
        "Wiring": (0.05, 120, ["Cable", "Boxes & covers"]),
        "Switches & outlets": (0.05, 120, ["Switches", "Outlets", "Dimmers"]),
        "Batteries": (0.15, 355, ["Alkaline", "Rechargeable"]),
    },
    "Plumbing": {
        "Pipe & fittings": (0.10, 30, ["PVC", "Copper"]),
        "Water heaters": (0.20, 25, ["Tank", "Tankless"]),
        "Repair": (0.05, 60, ["Plungers", "Valves"]),
    },
}
ADJECTIVES = ["Pro", "Classic", "Compact", "Heavy-duty", "Eco", "Premium", "Value", "Deluxe", "Mini", "XL", "Smart",
              "Contractor", "Home", "Ultra", "Basic"]  # fmt: skip
BRANDS = ["Ridgeline", "Ironwood", "HomeCraft", "Bluebird", "Stanton", "Garrick", "Northfield", "Vantage",
          "Copperleaf", "Maple & Co", "TrueBuild", "Sparrow"]  # fmt: skip
SUPPLIER_NAMES = ["Acme", "Northwind", "Summit", "Keystone", "Pioneer", "Atlas", "Harbor", "Evergreen", "Redwood",
                  "Granite"]  # fmt: skip
SUPPLIER_KINDS = ["Supply Co", "Distribution", "Wholesale", "Trading"]
SUPPLIERS = 40
CASE_PACKS = np.array([1, 1, 2, 4, 6, 6, 10, 12, 12, 24])


@dataclass
class Catalogue:
    """Per product, in creation order (index n is SKU n+1). Arrays, not rows: the history
    simulation works on them vectorised."""

    ids: np.ndarray  # database ids
    skus: list[str]
    category_ids: np.ndarray
    cost: np.ndarray
    price: np.ndarray
    rate: np.ndarray  # mean units a day in a standard store, before seasons and promotions
    case_pack: np.ndarray
    lead_days: np.ndarray  # primary supplier's lead time
    lead_sd: np.ndarray
    supplier_ids: np.ndarray  # primary supplier
    amplitude: np.ndarray  # yearly season
    peak: np.ndarray  # day of year the season peaks


def create_categories() -> list[tuple[Category, float, int]]:
    """The tree, department > category > subcategory; returns the leaves with the season
    of their category."""
    leaves = []
    for department, categories in TREE.items():
        top = Category.objects.create(name=department)
        for name, (amplitude, peak, subcategories) in categories.items():
            middle = Category.objects.create(name=name, parent=top)
            for sub in subcategories:
                leaves.append((Category.objects.create(name=sub, parent=middle), amplitude, peak))
    return leaves


def create_suppliers(*, rng: np.random.Generator) -> list[Supplier]:
    lead = rng.choice([2, 3, 3, 4, 5, 5, 7, 7, 7, 10, 14], SUPPLIERS)
    sd = np.round(lead * rng.uniform(0.1, 0.35, SUPPLIERS), 1)
    minimum = rng.choice([0, 100, 150, 250, 500, 1000], SUPPLIERS)
    free = rng.choice([0, 500, 750, 1500, 2500], SUPPLIERS)
    rows = [
        Supplier(
            code=f"SUP{n + 1:02d}", name=f"{SUPPLIER_NAMES[n % 10]} {SUPPLIER_KINDS[n // 10 % 4]}",
            lead_time_days=Decimal(int(lead[n])), lead_time_sd_days=Decimal(str(sd[n])),
            min_order_value=Decimal(int(minimum[n])),
            free_freight_value=Decimal(int(max(free[n], minimum[n] * 2) if free[n] else 0)),
            contact_name=f"Order desk {n + 1}", contact_email=f"orders@sup{n + 1:02d}.example.com",
            contact_phone=f"+1 555 01{n:02d}",
        )
        for n in range(SUPPLIERS)
    ]  # fmt: skip
    return Supplier.objects.bulk_create(rows)


def create_products(
    *, count: int, rng: np.random.Generator, leaves: list[tuple[Category, float, int]], suppliers: list[Supplier]
) -> Catalogue:
    """Products, one or two barcodes each (an in-store EAN-13, and for a quarter of them a
    manufacturer's), a primary supplier each and a second one for about a fifth."""
    leaf = rng.integers(0, len(leaves), count)
    cost = np.round(np.exp(rng.normal(2.0, 0.95, count)).clip(0.4, 1500), 2)
    price = np.round(cost * rng.uniform(1.3, 2.1, count), 2) - np.where(cost > 5, 0.01, 0)
    # Long tail: the median item sells once in five to six weeks in a standard store; cheap items
    # sell more often than dear ones.
    rate = np.exp(rng.normal(-3.8, 1.5, count)) * np.clip(12 / (cost + 4), 0.25, 2.5)
    case_pack = np.where(cost > 120, 1, rng.choice(CASE_PACKS, count))
    primary = rng.integers(0, len(suppliers), count)
    second = (primary + rng.integers(1, len(suppliers), count)) % len(suppliers)
    has_second = rng.random(count) < 0.2
    manufacturer_code = rng.random(count) < 0.25
    adjective = rng.integers(0, len(ADJECTIVES), count)
    brand = rng.integers(0, len(BRANDS), count)

    rows = []
    for n in range(count):
        category = leaves[leaf[n]][0]
        rows.append(
            Product(
                sku=f"SKU{n + 1:05d}", name=f"{BRANDS[brand[n]]} {ADJECTIVES[adjective[n]]} {_singular(category.name)} "
                f"{n + 1}", category=category, case_pack=int(case_pack[n]), cost=Decimal(f"{cost[n]:.2f}"),
                price=Decimal(f"{price[n]:.2f}"),
            )
        )  # fmt: skip
    products = Product.objects.bulk_create(rows, batch_size=2000)
    ids = np.array([p.pk for p in products], dtype=np.int64)
    barcodes = [Barcode(product_id=int(pid), code=make_ean13(n + 1)) for n, pid in enumerate(ids)]
    barcodes += [
        Barcode(product_id=int(ids[n]), code=make_ean13(700_000 + n * 7, prefix="0"))
        for n in np.flatnonzero(manufacturer_code)
    ]
    Barcode.objects.bulk_create(barcodes, batch_size=2000)
    terms = [_terms(n, int(pid), suppliers[primary[n]], cost[n], int(case_pack[n])) for n, pid in enumerate(ids)]
    terms += [
        _terms(n, int(ids[n]), suppliers[second[n]], cost[n] * 1.05, int(min(case_pack[n] * 2, 12)), primary=False)
        for n in np.flatnonzero(has_second)
    ]
    ProductSupplier.objects.bulk_create(terms, batch_size=2000)
    lead = np.array([float(s.lead_time_days) for s in suppliers])
    lead_sd = np.array([float(s.lead_time_sd_days) for s in suppliers])
    return Catalogue(
        ids=ids, skus=[p.sku for p in products], category_ids=np.array([leaves[i][0].pk for i in leaf], dtype=np.int64),
        cost=cost, price=price, rate=rate, case_pack=case_pack, lead_days=lead[primary], lead_sd=lead_sd[primary],
        supplier_ids=np.array([s.pk for s in suppliers], dtype=np.int64)[primary],
        amplitude=np.array([leaves[i][1] for i in leaf]), peak=np.array([leaves[i][2] for i in leaf]),
    )  # fmt: skip


def _terms(n: int, product_id: int, supplier: Supplier, cost: float, pack: int, primary: bool = True):
    """A supplier's terms; a second supplier is a little dearer, packs bigger, and slower
    than it quotes for its main lines."""
    return ProductSupplier(
        product_id=product_id, supplier=supplier, supplier_sku=f"{supplier.code}-{n + 1:05d}",
        cost=Decimal(f"{cost:.2f}"), case_pack=pack, is_primary=primary,
        lead_time_days=None if primary else supplier.lead_time_days + 2,
    )  # fmt: skip


def _singular(name: str) -> str:
    word = name.split(" & ")[0]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word
