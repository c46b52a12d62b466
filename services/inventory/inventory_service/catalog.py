"""A storefront line without SKU, found in the catalogue by its variant or product (pure).

Shopify sends ``"sku": null`` (or ``""``) for a variant created without one, and always
for a custom item; its ``variant_id`` and ``product_id`` are still the storefront's. The
catalogue (the ledger's items, seeded with each SKU's storefront variant and product)
names the SKU: by variant, or by product when the product has a single SKU. A line found
in neither keeps no SKU, for the order's validation to name.
"""

from __future__ import annotations

from typing import Any


def wanted(lines: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    """The variant and product ids of the lines without SKU."""
    bare = [x for x in lines if not x.get("sku")]
    variants = [v for x in bare if (v := _id(x, "variant_id")) is not None]
    products = [p for x in bare if (p := _id(x, "product_id")) is not None]
    return variants, products


def resolve(
    lines: list[dict[str, Any]],
    by_variant: dict[int, str],
    by_product: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """The lines, each without SKU given the catalogue's when it has exactly one."""
    found = []
    for line in lines:
        if line.get("sku"):
            found.append(line)
            continue
        variant, product = _id(line, "variant_id"), _id(line, "product_id")
        sku = by_variant.get(variant) if variant is not None else None
        skus = by_product.get(product, []) if product is not None else []
        if sku is None and len(skus) == 1:
            sku = skus[0]
        found.append({**line, "sku": sku})
    return found


def _id(line: dict[str, Any], name: str) -> int | None:
    value = line.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
