"""Lines sent without SKU are found in the catalogue by variant, or by a product with one SKU."""

from __future__ import annotations

from typing import Any

from inventory_service.catalog import resolve, wanted

LINES: list[dict[str, Any]] = [
    {"sku": "TEE-BLA-001", "quantity": 1, "variant_id": 1},
    {"sku": None, "quantity": 2, "variant_id": 44610569208041, "product_id": 8},
    {"sku": "", "quantity": 1, "variant_id": None, "product_id": 8610569208045},
    {"sku": None, "quantity": 1, "variant_id": 5, "product_id": 77},
    {"sku": None, "quantity": 1, "variant_id": None, "product_id": None},
]


def test_only_lines_without_sku_are_looked_up() -> None:
    assert wanted(LINES) == ([44610569208041, 5], [8, 8610569208045, 77])


def test_a_variant_names_its_sku_and_a_product_with_one_sku_does_too() -> None:
    found = resolve(
        LINES,
        {44610569208041: "TEE-WHI-002"},
        {8610569208045: ["HOO-BLA-006"], 77: ["CAP-A", "CAP-B"]},
    )
    assert [x["sku"] for x in found] == ["TEE-BLA-001", "TEE-WHI-002", "HOO-BLA-006", None, None]
    assert found[1] == {**LINES[1], "sku": "TEE-WHI-002"}, "the rest of the line is kept"
