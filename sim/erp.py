"""What the simulated ERP answers to the scheduled syncs' reads, derived from the catalogue.

Deterministic, and different from what ``orderloom inventory seed`` writes in a few
places, so that a sync after a seed has real work: a stock take found every third SKU
short by a tenth of its stock, and every fifth SKU has a new price. Like the seed, the ERP
counts the units reserved for orders as still on hand (they have not shipped).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STOCK_LEVELS = ("GET", "/stock-levels")
PRODUCTS = ("GET", "/products")


def stock_levels(catalog: dict[str, Any], reserved: dict[str, int] | None = None) -> dict[str, Any]:
    """``GET /stock-levels``: on hand per SKU, as the ERP counts it; ``reserved`` is what
    the ledger holds for orders."""
    levels = []
    for n, p in enumerate(catalog["products"]):
        shrinkage = p["initial_stock"] // 10 if n % 3 == 0 else 0
        held = (reserved or {}).get(p["sku"], 0)
        levels.append({"sku": p["sku"], "on_hand": held + p["initial_stock"] - shrinkage})
    return {"levels": levels}


def products(catalog: dict[str, Any]) -> dict[str, Any]:
    """``GET /products``: title and price per SKU, as the ERP keeps them."""
    found = []
    for n, p in enumerate(catalog["products"]):
        price = p["price_cents"] + 100 if n % 5 == 0 else p["price_cents"]
        found.append({"sku": p["sku"], "title": p["title"], "price_cents": price})
    return {"products": found}


def write_fixtures(
    catalog_path: Path, folder: Path, reserved: dict[str, int] | None = None
) -> list[str]:
    """Write both answers into ``folder``; the ``--respond`` values that serve them."""
    catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    answers = ((STOCK_LEVELS, stock_levels(catalog, reserved)), (PRODUCTS, products(catalog)))
    for (method, path), body in answers:
        file = folder / f"erp{path.replace('/', '-')}.json"
        file.write_text(json.dumps(body, indent=1), encoding="utf-8")
        specs.append(f"{method} {path}={file}")
    return specs
