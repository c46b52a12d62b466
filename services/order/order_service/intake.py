"""What one verified webhook becomes: the records to write, in order, and the marker.

Pure: no Kafka, no HTTP. The route parses the body into a payload with the model
``PAYLOADS`` names for its topic and asks ``records`` for what to publish. The last
record of every delivery is its marker on ``order.events``; once the marker is written,
every record before it is too, which is what the duplicate check relies on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from pydantic import BaseModel

from order_service import mapping
from order_service.webhooks import Cancellation, Order, Refund
from orderloom.events.envelope import Envelope
from orderloom.workflow.wire import start

SOURCE = "orderloom/order-intake"
ORDER_EVENTS = "order.events"
WORKFLOW_INPUTS = "workflow.inputs"
WORKFLOW = "OrderFulfillment"
PAYLOADS: dict[str, type[BaseModel]] = {
    "orders/create": Order,
    "orders/cancelled": Cancellation,
    "refunds/create": Refund,
}
"""The webhook topics this intake takes (``X-Shopify-Topic``) and their payload models."""


def fulfillment_definition() -> dict[str, Any]:
    """The OrderFulfillment definition shipped with the service (read once at startup)."""
    text = resources.files("order_service").joinpath("workflows/order_fulfillment.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Delivery:
    """The records of one webhook: ``(logical topic, envelope)`` pairs, the marker last."""

    order_id: str
    records: tuple[tuple[str, Envelope], ...]

    @property
    def marker(self) -> str:
        """The marker's envelope id: seen on ``order.events`` means the delivery is done."""
        return self.records[-1][1].id


def _event(
    type_name: str, key: str, id: str, data: dict[str, Any], webhook: str | None
) -> Envelope:
    extra = {"shopify_webhook_id": webhook} if webhook else {}
    return replace(
        Envelope.new("orderloom.order." + type_name, SOURCE, key, data, correlation_id=key),
        id=id,
        subject=key,
        extra_headers=extra,
    )


def records(
    payload: BaseModel, shop: str, webhook_id: str | None, definition: dict[str, Any]
) -> Delivery:
    """The records for a payload of one of ``PAYLOADS``' models; ``FieldProblem`` if unmappable."""
    if isinstance(payload, Order):
        key = mapping.order_id(shop, payload.id)
        data = mapping.order_received(shop, payload, webhook_id)
        started = start(
            key, WORKFLOW, definition, mapping.workflow_input(shop, payload), correlation_id=key
        )
        return Delivery(
            key,
            (
                (WORKFLOW_INPUTS, replace(started, id=f"{key}/start")),
                (ORDER_EVENTS, _event("OrderReceived", key, f"{key}/received", data, webhook_id)),
            ),
        )
    if isinstance(payload, Cancellation):
        key = mapping.order_id(shop, payload.id)
        data = mapping.order_cancelled(shop, payload, webhook_id)
        event = _event("OrderCancelled", key, f"{key}/cancelled", data, webhook_id)
        return Delivery(key, ((ORDER_EVENTS, event),))
    if isinstance(payload, Refund):
        key = mapping.order_id(shop, payload.order_id)
        data = mapping.refund_requested(shop, payload, webhook_id)
        event = _event("RefundRequested", key, f"{key}/refund/{payload.id}", data, webhook_id)
        return Delivery(key, ((ORDER_EVENTS, event),))
    raise TypeError(f"no records for a {type(payload).__name__}")
