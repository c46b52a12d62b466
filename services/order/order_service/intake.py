"""What one verified webhook becomes: the records to write, in order, and the marker.

Pure: no Kafka, no HTTP. The route parses the body into a payload with the model
``PAYLOADS`` names for its topic and asks ``records`` for what to publish. Each delivery
starts one execution (OrderFulfillment, OrderCancellation or OrderRefund, its id derived
from the order and refund ids, so a repeat starts nothing new) and ends with its marker
on ``order.events``; once the marker is written, every record before it is too, which is
what the duplicate check relies on.
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
CANCELLATION = "OrderCancellation"
REFUND = "OrderRefund"
DEFINITION_FILES = {
    WORKFLOW: "order_fulfillment.json",
    CANCELLATION: "order_cancellation.json",
    REFUND: "order_refund.json",
}
PAYLOADS: dict[str, type[BaseModel]] = {
    "orders/create": Order,
    "orders/cancelled": Cancellation,
    "refunds/create": Refund,
}
"""The webhook topics this intake takes (``X-Shopify-Topic``) and their payload models."""


def definitions() -> dict[str, dict[str, Any]]:
    """The workflow definitions shipped with the service by name (read once at startup)."""
    folder = resources.files("order_service").joinpath("workflows")
    return {
        name: json.loads(folder.joinpath(file).read_text(encoding="utf-8"))
        for name, file in DEFINITION_FILES.items()
    }


def cancellation_id(order_id: str) -> str:
    return f"{order_id}-cancellation"


def refund_execution_id(order_id: str, refund_id: int) -> str:
    return f"{order_id}-refund-{refund_id}"


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


def _start(
    execution_id: str, workflow: str, definitions: dict[str, dict[str, Any]], input: Any, key: str
) -> tuple[str, Envelope]:
    started = start(execution_id, workflow, definitions[workflow], input, correlation_id=key)
    return WORKFLOW_INPUTS, replace(started, id=f"{execution_id}/start")


def records(
    payload: BaseModel, shop: str, webhook_id: str | None, definitions: dict[str, dict[str, Any]]
) -> Delivery:
    """The records for a payload of one of ``PAYLOADS``' models; ``FieldProblem`` if unmappable."""
    if isinstance(payload, Order):
        key = mapping.order_id(shop, payload.id)
        data = mapping.order_received(shop, payload, webhook_id)
        document = mapping.workflow_input(shop, payload)
        return Delivery(
            key,
            (
                _start(key, WORKFLOW, definitions, document, key),
                (ORDER_EVENTS, _event("OrderReceived", key, f"{key}/received", data, webhook_id)),
            ),
        )
    if isinstance(payload, Cancellation):
        key = mapping.order_id(shop, payload.id)
        data = mapping.order_cancelled(shop, payload, webhook_id)
        document = mapping.cancellation_input(shop, payload)
        return Delivery(
            key,
            (
                _start(cancellation_id(key), CANCELLATION, definitions, document, key),
                (ORDER_EVENTS, _event("OrderCancelled", key, f"{key}/cancelled", data, webhook_id)),
            ),
        )
    if isinstance(payload, Refund):
        key = mapping.order_id(shop, payload.order_id)
        data = mapping.refund_requested(shop, payload, webhook_id)
        document = mapping.refund_input(shop, payload)
        execution_id = refund_execution_id(key, payload.id)
        event = _event("RefundRequested", key, f"{key}/refund/{payload.id}", data, webhook_id)
        return Delivery(
            key,
            (
                _start(execution_id, REFUND, definitions, document, key),
                (ORDER_EVENTS, event),
            ),
        )
    raise TypeError(f"no records for a {type(payload).__name__}")
