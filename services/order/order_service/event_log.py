"""The order's event log, derived from its OrderFulfillment execution (pure).

The execution's history already says what happened to the order, step by step; this
names it in the order's own words (StockReserved, SalesOrderCreated, PaymentCaptured,
ShipmentRequested, OrderCompleted, OrderFailed) for whoever follows ``order.events``.
"""

from __future__ import annotations

import json
from typing import Any

WORKFLOW = "OrderFulfillment"
NS = "orderloom.order."
STEPS = {
    "ReserveStock": "StockReserved",
    "CreateSalesOrder": "SalesOrderCreated",
    "CapturePayment": "PaymentCaptured",
    "RequestShipment": "ShipmentRequested",
}


def order_events(order_id: str, event: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The order event one history event (a ``RecordedEvent``) means, if any."""
    kind, details = event["event_type"], json.loads(event["details"])
    base = {"order_id": order_id, "history_event_id": event["event_id"]}
    if kind == "TaskSucceeded" and details.get("name") in STEPS:
        return NS + STEPS[details["name"]], {**base, "details": json.dumps(details.get("output"))}
    if kind == "ExecutionSucceeded":
        return NS + "OrderCompleted", {**base, "details": json.dumps(details.get("output"))}
    if kind in ("ExecutionFailed", "ExecutionTimedOut"):
        return NS + "OrderFailed", {
            **base,
            "error": str(details.get("error") or ""),
            "cause": str(details.get("cause") or ""),
            "state": details.get("state"),
        }
    return None
