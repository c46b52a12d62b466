"""Domain events as envelopes for ``inventory.events``: keyed by order, or by SKU for levels.

Ids derive from the command that caused them, so an event written again is the same one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from inventory_service.model import (
    AvailabilityReported,
    Event,
    OrderCancelled,
    ProductChanged,
    ReservationCommitted,
    ReservationRejected,
    StockLevelChanged,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from orderloom.events.envelope import Envelope

SOURCE = "orderloom/inventory"
NS = "orderloom.inventory."


def envelope(event: Event, *, location: str, cause: Envelope, index: int) -> Envelope:
    """The envelope of a published event (``Answered`` is not one: it goes to the caller)."""
    key, data = _record(event)
    return Envelope(
        type=NS + type(event).__name__,
        source=SOURCE,
        key=key,
        data={**data, "location": location},
        id=f"{cause.id}/{index}",
        time=cause.time,
        correlation_id=cause.correlation_id or cause.key,
        causation_id=cause.id,
        traceparent=cause.traceparent,
    )


def _record(event: Event) -> tuple[str, dict[str, Any]]:
    match event:
        case (
            StockReserved()
            | StockReleased()
            | ReservationRejected()
            | ReservationCommitted()
            | OrderCancelled()
            | StockRestocked()
        ):
            return event.order_id, asdict(event)
        case StockLevelChanged():
            return event.sku, asdict(event) | {"available": event.available}
        case AvailabilityReported() | ProductChanged():
            return event.sku, asdict(event)
    raise TypeError(f"{type(event).__name__} is not published")
