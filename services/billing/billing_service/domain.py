"""Billing's rules: ``decide(payment, command) -> events`` and ``evolve(payment, event)``.

A capture or refund reaches the provider at most once per order in effect: every attempt
of an operation carries the same idempotency key, a command for an operation already done
answers with what was recorded, and one still pending only waits for it (unless its
deadline passed, when the same request is sent again under the same key). A declined
capture is tried again only with another payment token, under a new key. Refunds are
named, each done once, and never more in total than the capture. A cancellation is kept
as a fact (see ``cancellation``). A capture without payment token follows the storefront's
financial status (see ``storefront``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

from billing_service import cancellation, storefront
from billing_service.ids import invoice_id
from billing_service.model import (
    CAPTURE,
    REFUND,
    SETTLED,
    STOREFRONT,
    AnswerAwaited,
    Answered,
    Cancel,
    Capture,
    Command,
    Event,
    InvoiceIssued,
    Operation,
    OrderCancelled,
    Outcome,
    Payment,
    PaymentAttemptFailed,
    PaymentAwaited,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    PaymentRequested,
    PaymentSettled,
    ProviderAnswered,
    Refund,
    Status,
    StatusReported,
    StorefrontReported,
)
from billing_service.operations import operate, output, request, tell

DECLINED = "Payment.Declined"
REJECTED = "Payment.Rejected"
UNAVAILABLE = "Payment.Unavailable"
NOT_CAPTURED = "Payment.NotCaptured"
BAD_REQUEST = "Billing.BadRequest"
REFUND_EXCEEDS_CAPTURE = "Billing.RefundExceedsCapture"
ORDER_CANCELLED = cancellation.ORDER_CANCELLED


def decide(payment: Payment, command: Command) -> list[Event]:
    match command:
        case Capture():
            return _capture(payment, command)
        case Refund():
            return _refund(payment, command)
        case Cancel():
            return cancellation.cancel(payment, command)
        case ProviderAnswered():
            return _answered(payment, command)
        case StatusReported():
            return storefront.reported(payment, command)


def evolve(payment: Payment, event: Event) -> Payment:
    if isinstance(event, InvoiceIssued):
        return replace(payment, invoice_id=event.invoice_id)
    if isinstance(event, OrderCancelled):
        return replace(payment, cancelled=True)
    if isinstance(event, StorefrontReported):
        return replace(
            payment, reported=event.financial_status, reported_authorization=event.authorization_id
        )
    kind, refund_id = _names(event)
    before = payment.operation(kind, refund_id)
    if isinstance(event, PaymentRequested):
        requested = Operation(
            kind=kind,
            order_id=event.order_id,
            amount_cents=event.amount_cents,
            currency=event.currency,
            status=Status.PENDING,
            request_id=event.request_id,
            attempt=event.attempt,
            generation=event.generation,
            deadline_ms=event.deadline_ms,
            payment_token=event.payment_token,
            waiters=before.waiters if before else (),
            refund_id=refund_id,
            method=event.method,
            storefront_order_id=event.storefront_order_id,
            authorization_id=event.authorization_id,
        )
        return _put(payment, requested)
    if isinstance(event, PaymentAwaited):
        awaited = Operation(
            kind=CAPTURE,
            order_id=event.order_id,
            amount_cents=event.amount_cents,
            currency=event.currency,
            status=Status.AWAITING,
            request_id="",
            attempt=0,
            waiters=before.waiters if before else (),
            method=STOREFRONT,
            storefront_order_id=event.storefront_order_id,
            authorization_id=event.authorization_id,
        )
        return _put(payment, awaited)
    if before is None and isinstance(event, PaymentRefunded):
        before = Operation(
            REFUND,
            event.order_id,
            event.amount_cents,
            event.currency,
            Status.DONE,
            "",
            refund_id=refund_id,
            method=STOREFRONT,
        )
    op = before
    if op is None:
        return payment
    match event:
        case AnswerAwaited() if event.waiter not in op.waiters:
            op = replace(op, waiters=(*op.waiters, event.waiter))
        case Answered():
            op = replace(op, waiters=tuple(w for w in op.waiters if w != event.waiter))
        case PaymentSettled():
            op = replace(op, status=Status.PAID, reference=STOREFRONT, error=None, cause="")
        case PaymentCaptured() | PaymentRefunded():
            ref = event.capture_id if isinstance(event, PaymentCaptured) else event.refund_id
            op = replace(op, status=Status.DONE, reference=ref, error=None, cause="")
        case PaymentDeclined():
            op = replace(op, status=Status.REFUSED, error=event.error, cause=event.cause)
        case PaymentAttemptFailed():
            op = replace(op, status=Status.FAILED, error=UNAVAILABLE, cause=event.cause)
    return _put(payment, op)


def apply(payment: Payment, events: list[Event]) -> Payment:
    return reduce(evolve, events, payment)


def _capture(payment: Payment, c: Capture) -> list[Event]:
    if payment.cancelled:
        return [Answered(c.order_id, CAPTURE, c.waiter, **cancellation.refusal(c.order_id))]
    if c.payment_token is None:
        return storefront.capture(payment, c)
    op = payment.capture
    if op is not None and op.status is Status.REFUSED and c.payment_token != op.payment_token:
        return request(payment, c, CAPTURE, op.generation + 1, c.payment_token, None)
    return operate(payment, c, CAPTURE, c.payment_token, None)


def _refund(payment: Payment, c: Refund) -> list[Event]:
    captured = payment.capture
    reference = captured.reference if captured else None
    if payment.operation(REFUND, c.refund_id) is not None:
        return operate(payment, c, REFUND, None, reference)
    if captured is None or captured.status not in SETTLED:
        return [_refused(c, NOT_CAPTURED, f"order {c.order_id} has no capture to refund")]
    if c.currency != captured.currency:
        cause = f"currency: {c.currency} is not the capture's {captured.currency}"
        return [_refused(c, BAD_REQUEST, cause)]
    if c.amount_cents > payment.refundable_cents:
        cause = (
            f"amount_cents: refund {c.refund_id or 'of the order'} of {c.amount_cents}"
            f" {c.currency} exceeds the {payment.refundable_cents} left of the capture of"
            f" {captured.amount_cents} {captured.currency}"
        )
        return [_refused(c, REFUND_EXCEEDS_CAPTURE, cause)]
    if captured.method == STOREFRONT and c.refund_id.isdigit():
        return storefront.recorded_refund(payment, c)
    return operate(payment, c, REFUND, None, reference)


def _refused(c: Refund, error: str, cause: str) -> Answered:
    return Answered(c.order_id, REFUND, c.waiter, error=error, cause=cause, refund_id=c.refund_id)


def _answered(payment: Payment, a: ProviderAnswered) -> list[Event]:
    op = payment.operation(a.kind, a.refund_id)
    if op is None:
        return []
    if a.outcome is Outcome.SUCCEEDED:
        return [] if op.status is Status.DONE else _succeeded(payment, op, a)
    if op.status is not Status.PENDING or a.request_id != op.request_id:
        return []
    if a.outcome is Outcome.UNAVAILABLE:
        failed = PaymentAttemptFailed(op.order_id, op.kind, a.cause, a.request_id, op.refund_id)
        error, cause = cancellation.told(payment, op, UNAVAILABLE, a.cause)
        return [failed, *tell(op, error=error, cause=cause)]
    error = DECLINED if a.outcome is Outcome.DECLINED else REJECTED
    declined = PaymentDeclined(op.order_id, op.kind, error, a.cause, a.request_id, op.refund_id)
    error, cause = cancellation.told(payment, op, error, a.cause)
    return [declined, *tell(op, error=error, cause=cause)]


def _succeeded(payment: Payment, op: Operation, a: ProviderAnswered) -> list[Event]:
    ref = a.reference or a.request_id
    events: list[Event] = []
    if op.kind == CAPTURE:
        events.append(PaymentCaptured(op.order_id, ref, op.amount_cents, op.currency, a.request_id))
        if payment.invoice_id is None:
            invoice = invoice_id(op.order_id)
            events.append(InvoiceIssued(op.order_id, invoice, op.amount_cents, op.currency))
    else:
        refunded = PaymentRefunded(
            op.order_id, ref, op.amount_cents, op.currency, a.request_id, op.refund_id
        )
        events.append(refunded)
    after = apply(payment, events)
    done = after.operation(op.kind, op.refund_id)
    assert done is not None
    if op.kind == CAPTURE and payment.cancelled:
        return [*events, *cancellation.captured_late(after, done, a.now_ms)]
    return [*events, *tell(op, output=output(after, done))]


def _names(event: Event) -> tuple[str, str]:
    """The operation an event is about: its kind and refund id."""
    if isinstance(event, PaymentRefunded):
        return event.operation, event.order_refund_id
    if isinstance(event, PaymentCaptured | PaymentAwaited | PaymentSettled):
        return CAPTURE, ""
    assert not isinstance(event, InvoiceIssued | OrderCancelled | StorefrontReported)
    return event.operation, event.refund_id


def _put(payment: Payment, op: Operation) -> Payment:
    if op.kind == CAPTURE:
        return replace(payment, capture=op)
    others = tuple(r for r in payment.refunds if r.refund_id != op.refund_id)
    return replace(payment, refunds=(*others, op))
