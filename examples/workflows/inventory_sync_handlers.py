"""Handlers for inventory_sync.json: the storefront accepts every level it is sent."""

from __future__ import annotations

from typing import Any


def set_level(request: dict[str, Any]) -> dict[str, Any]:
    return {"sku": request["sku"], "accepted": request["level"]}


HANDLERS = {"vendor-async:storefront.set_inventory_level": set_level}
