"""Handlers for order_fulfillment.json: inventory is busy once, then reserves; payment captures.

An order whose total is over 1000 is declined, to show the Catch path.
"""

from __future__ import annotations

from typing import Any

_calls = {"reserve": 0}


class InventoryBusy(Exception):
    error = "Inventory.Busy"


class PaymentDeclined(Exception):
    error = "Payment.Declined"


def reserve(request: dict[str, Any]) -> dict[str, Any]:
    _calls["reserve"] += 1
    if _calls["reserve"] == 1:
        raise InventoryBusy("all stock workers are busy")
    return {"reservation_id": f"res-{request['order_id']}", "warehouse": "north"}


def capture(request: dict[str, Any]) -> dict[str, Any]:
    if request["amount"] > 1000:
        raise PaymentDeclined(f"card declined for {request['amount']}")
    return {"captured": request["amount"], "order_id": request["order_id"]}


HANDLERS = {
    "service:inventory.reserve": reserve,
    "vendor:payments.capture": capture,
}
