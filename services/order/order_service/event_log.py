"""The order's event log, derived from its OrderFulfillment execution (pure).

The execution's history already says what happened to the order, step by step; this
names it in the order's own words (StockReserved, SalesOrderCreated, PaymentCaptured,
ShipmentRequested, OrderCompleted, OrderFailed) for whoever follows ``order.events``.
A fulfilment stopped by a cancellation succeeds in its ``OrderCancelled`` state with the
cancellation in its output: that is ``FulfillmentCancelled``, not ``OrderCompleted``.
"""

from __future__ import annotations

from typing import Any

from orderloom import jsontext

WORKFLOW = "OrderFulfillment"
NS = "orderloom.order."
STEPS = {
    "ReserveStock": "StockReserved",
    "CreateSalesOrder": "SalesOrderCreated",
    "CapturePayment": "PaymentCaptured",
    "AwaitPayment": "PaymentCaptured",
    "RequestShipment": "ShipmentRequested",
}


_TELLING = {"TaskSucceeded", "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut"}
"""The history event types that can mean an order event; only their details are read."""


def order_events(order_id: str, event: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The order event one history event (a ``RecordedEvent``) means, if any."""
    kind = event["event_type"]
    if kind not in _TELLING:
        return None
    details = jsontext.loads(event["details"])
    base = {"order_id": order_id, "history_event_id": event["event_id"]}
    if kind == "TaskSucceeded" and details.get("name") in STEPS:
        return NS + STEPS[details["name"]], {
            **base,
            "details": jsontext.dumps(details.get("output")),
        }
    if kind == "ExecutionSucceeded":
        output = details.get("output")
        cancellation = output.get("cancellation") if isinstance(output, dict) else None
        if isinstance(cancellation, dict):
            reason = str(cancellation.get("Error") or "")
            return NS + "FulfillmentCancelled", {
                **base,
                "reason": reason,
                "details": jsontext.dumps(output),
            }
        return NS + "OrderCompleted", {**base, "details": jsontext.dumps(output)}
    if kind in ("ExecutionFailed", "ExecutionTimedOut"):
        return NS + "OrderFailed", {
            **base,
            "error": str(details.get("error") or ""),
            "cause": str(details.get("cause") or ""),
            "state": details.get("state"),
        }
    return None
