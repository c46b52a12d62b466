"""Billing's decisions as envelopes: domain events for ``billing.events``, requests for
the vendor gateway, answers for waiting tasks. Ids derive from what caused them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from billing_service.model import (
    CAPTURE,
    STOREFRONT,
    Answered,
    InvoiceIssued,
    OrderCancelled,
    PaymentAttemptFailed,
    PaymentAwaited,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    PaymentRequested,
    PaymentSettled,
)
from orderloom.events.envelope import Envelope
from orderloom.outbox.tasks import Caller, answer

SOURCE = "orderloom/billing"
NS = "orderloom.billing."
VENDOR = "payments"
VENDOR_REQUEST = "orderloom.vendor.VendorRequest"
Published = (
    PaymentRequested
    | PaymentAwaited
    | PaymentSettled
    | PaymentCaptured
    | PaymentRefunded
    | PaymentDeclined
    | PaymentAttemptFailed
    | InvoiceIssued
    | OrderCancelled
)


def domain_event(event: Published, *, cause: Envelope, index: int) -> Envelope:
    data = asdict(event)
    if isinstance(event, PaymentRequested):
        del data["payment_token"]
    return _caused(cause, NS + type(event).__name__, event.order_id, data, f"{cause.id}/{index}")


def vendor_request(event: PaymentRequested, *, cause: Envelope, reply_topic: str) -> Envelope:
    """A sync request whose answer comes back to billing, found again by its request id:
    to the payment provider, or to the storefront for money the storefront holds (a
    capture of its authorization, ``parent_id``; a refund of the capture)."""
    body: dict[str, Any] = {
        "order_id": event.order_id,
        "amount_cents": event.amount_cents,
        "currency": event.currency,
    }
    vendor = VENDOR
    if event.method == STOREFRONT:
        vendor = STOREFRONT
        body["storefront_order_id"] = event.storefront_order_id
        body["kind"] = event.operation
        body["parent_id"] = (
            event.authorization_id if event.operation == CAPTURE else event.capture_id
        )
    elif event.operation == CAPTURE:
        body["payment_token"] = event.payment_token
    else:
        body["capture_id"] = event.capture_id
    data = {
        "request_id": event.request_id,
        "vendor": vendor,
        "operation": event.operation,
        "lane": "sync",
        "body": json.dumps(body),
        "idempotency_key": event.idempotency_key,
        "deadline_ms": event.deadline_ms,
        "reply_topic": reply_topic,
        "task_token": event.request_id,
    }
    return _caused(cause, VENDOR_REQUEST, event.order_id, data, event.request_id)


def task_answer(event: Answered, *, cause: Envelope) -> tuple[str, Envelope]:
    """The reply topic and the answer for one waiting task."""
    w = event.waiter
    caller = Caller(w.task_token, w.execution_id, w.reply_topic, w.correlation_id)
    reply = answer(
        caller,
        source=SOURCE,
        time=cause.time,
        causation_id=cause.id,
        output=event.output,
        error=event.error,
        cause=event.cause,
    )
    return w.reply_topic, reply


def _caused(cause: Envelope, type_: str, key: str, data: dict[str, Any], id_: str) -> Envelope:
    return Envelope(
        type=type_,
        source=SOURCE,
        key=key,
        data=data,
        id=id_,
        time=cause.time,
        correlation_id=cause.correlation_id or key,
        causation_id=cause.id,
        traceparent=cause.traceparent,
    )
