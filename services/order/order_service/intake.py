"""What one verified webhook becomes: the records to write, in order, and the marker.

Pure: no Kafka, no HTTP. The route reads the body with ``parse`` and asks ``records`` for
what to publish. An order or refund delivery starts one execution (OrderFulfillment,
OrderCancellation or OrderRefund, its id derived from the order and refund ids, so a
repeat starts nothing new); a payment update (``orders/paid``, ``orders/updated``) tells
billing the storefront's financial status. Each ends with its marker on ``order.events``;
once the marker is written, every record before it is too, which is what the duplicate
check relies on.

A signed body is refused (422) only when what identifies it does not parse (the order id;
the refund and order ids). Any other content it has becomes an execution, which fails
naming the field when the content cannot be used: nothing accepted is lost from sight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError

from order_service import mapping
from order_service.problems import field_path
from order_service.webhooks import (
    Cancellation,
    Order,
    OrderIdentity,
    PaymentUpdate,
    Refund,
    RefundIdentity,
)
from orderloom.events.envelope import Envelope
from orderloom.workflow.wire import start

SOURCE = "orderloom/order-intake"
ORDER_EVENTS = "order.events"
BILLING_COMMANDS = "billing.commands"
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
    "orders/paid": PaymentUpdate,
    "orders/updated": PaymentUpdate,
    "orders/cancelled": Cancellation,
    "refunds/create": Refund,
}
"""The webhook topics this intake takes (``X-Shopify-Topic``) and their payload models."""
IDENTITIES: dict[type[BaseModel], type[BaseModel]] = {
    Order: OrderIdentity,
    PaymentUpdate: OrderIdentity,
    Cancellation: OrderIdentity,
    Refund: RefundIdentity,
}
"""What must parse of each payload for its delivery to be accepted."""


@dataclass(frozen=True)
class Unreadable:
    """A signed body whose identity parses but whose content does not: kept, to fail
    visibly. ``problems`` name the fields (``line_items[0].quantity: ...``)."""

    model: type[BaseModel]
    identity: BaseModel
    problems: tuple[str, ...]


def parse(topic: str, body: bytes) -> BaseModel | Unreadable:
    """The payload of a body of ``topic`` (one of ``PAYLOADS``); ``ValidationError`` only
    when what identifies the delivery does not parse."""
    model = PAYLOADS[topic]
    try:
        payload = model.model_validate_json(body)
    except ValidationError as e:
        identity = IDENTITIES[model].model_validate_json(body)
        problems = tuple(f"{field_path(x['loc'])}: {x['msg']}" for x in e.errors())
        return Unreadable(model, identity, problems)
    return payload


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
    payload: BaseModel | Unreadable,
    shop: str,
    webhook_id: str | None,
    definitions: dict[str, dict[str, Any]],
) -> Delivery:
    """The records for what ``parse`` returned."""
    if isinstance(payload, Unreadable):
        return _unreadable(payload, shop, webhook_id, definitions)
    if isinstance(payload, PaymentUpdate):
        return _payment_update(payload, shop, webhook_id)
    if isinstance(payload, Order):
        key = mapping.order_id(shop, payload.id)
        data = mapping.order_received(shop, payload, webhook_id)
        document = mapping.workflow_input(shop, payload)
        return _received(key, definitions, document, data, webhook_id)
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
        try:
            data = mapping.refund_requested(shop, payload, webhook_id)
            document = mapping.refund_input(shop, payload)
        except mapping.FieldProblem as e:
            return _refund(payload.id, payload.order_id, shop, webhook_id, definitions, str(e))
        return _refund_records(payload.id, definitions, document, data, webhook_id)
    raise TypeError(f"no records for a {type(payload).__name__}")


def _received(
    key: str,
    definitions: dict[str, dict[str, Any]],
    document: dict[str, Any],
    data: dict[str, Any],
    webhook_id: str | None,
) -> Delivery:
    return Delivery(
        key,
        (
            _start(key, WORKFLOW, definitions, document, key),
            (ORDER_EVENTS, _event("OrderReceived", key, f"{key}/received", data, webhook_id)),
        ),
    )


def _refund_records(
    refund_id: int,
    definitions: dict[str, dict[str, Any]],
    document: dict[str, Any],
    data: dict[str, Any],
    webhook_id: str | None,
) -> Delivery:
    key = document["order_id"]
    event = _event("RefundRequested", key, f"{key}/refund/{refund_id}", data, webhook_id)
    return Delivery(
        key,
        (
            _start(refund_execution_id(key, refund_id), REFUND, definitions, document, key),
            (ORDER_EVENTS, event),
        ),
    )


def _refund(
    refund_id: int,
    storefront_order_id: int,
    shop: str,
    webhook_id: str | None,
    definitions: dict[str, dict[str, Any]],
    problem: str,
) -> Delivery:
    """A refund whose content cannot be used: its execution fails at its check, naming it."""
    key = mapping.order_id(shop, storefront_order_id)
    document = {
        "order_id": key,
        "refund_id": refund_id,
        "amount_cents": None,
        "currency": None,
        "restock_lines": [],
        "returned": False,
        "problem": problem,
    }
    data = {
        "order_id": key,
        "shop": shop,
        "storefront_order_id": storefront_order_id,
        "refund_id": refund_id,
        "amount_cents": None,
        "currency": None,
        "lines": [],
        "problem": problem,
        "webhook_id": webhook_id,
    }
    return _refund_records(refund_id, definitions, document, data, webhook_id)


def _unreadable(
    u: Unreadable, shop: str, webhook_id: str | None, definitions: dict[str, dict[str, Any]]
) -> Delivery:
    identity = u.identity
    if isinstance(identity, RefundIdentity):
        problem = "; ".join(u.problems)
        return _refund(identity.id, identity.order_id, shop, webhook_id, definitions, problem)
    assert isinstance(identity, OrderIdentity)
    if u.model is Cancellation:
        return records(Cancellation(id=identity.id), shop, webhook_id, definitions)
    key = mapping.order_id(shop, identity.id)
    if u.model is PaymentUpdate:
        data = {"order_id": key, "shop": shop, "storefront_order_id": identity.id}
        marker = f"{key}/payment/unreadable"
        event = _event(
            "PaymentStatusReported", key, marker, {**data, "webhook_id": webhook_id}, webhook_id
        )
        return Delivery(key, ((ORDER_EVENTS, event),))
    document = mapping.unreadable_input(shop, identity.id, list(u.problems))
    data = mapping.unreadable_received(shop, identity.id, webhook_id)
    return _received(key, definitions, document, data, webhook_id)


def _payment_update(order: PaymentUpdate, shop: str, webhook_id: str | None) -> Delivery:
    """Billing is told the storefront's financial status (a pending capture waits for it);
    a status already reported is a repeat."""
    key = mapping.order_id(shop, order.id)
    data = mapping.payment_reported(shop, order, webhook_id)
    status = order.financial_status or "unknown"
    marker = _event("PaymentStatusReported", key, f"{key}/payment/{status}", data, webhook_id)
    if order.financial_status is None:
        return Delivery(key, ((ORDER_EVENTS, marker),))
    command = replace(marker, id=f"{marker.id}/billing")
    return Delivery(key, ((BILLING_COMMANDS, command), (ORDER_EVENTS, marker)))
