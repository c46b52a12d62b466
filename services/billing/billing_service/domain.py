"""Billing's rules: ``decide(payment, command) -> events`` and ``evolve(payment, event)``.

A capture or refund reaches the provider at most once per order in effect: every attempt
of an order's operation carries the same idempotency key, a command for an operation
already done answers with what was recorded, and one still pending only waits for it
(unless its deadline passed, when the same request is sent again under the same key).
A declined capture is tried again only with another payment token, under a new key.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

from billing_service.ids import idempotency_key, invoice_id, request_id
from billing_service.model import (
    CAPTURE,
    REFUND,
    AnswerAwaited,
    Answered,
    Capture,
    Command,
    Event,
    InvoiceIssued,
    Operation,
    Outcome,
    Payment,
    PaymentAttemptFailed,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    PaymentRequested,
    ProviderAnswered,
    Refund,
    Status,
)

DECLINED = "Payment.Declined"
REJECTED = "Payment.Rejected"
UNAVAILABLE = "Payment.Unavailable"
NOT_CAPTURED = "Payment.NotCaptured"
BAD_REQUEST = "Billing.BadRequest"


def decide(payment: Payment, command: Command) -> list[Event]:
    match command:
        case Capture():
            return _capture(payment, command)
        case Refund():
            return _refund(payment, command)
        case ProviderAnswered():
            return _answered(payment, command)


def evolve(payment: Payment, event: Event) -> Payment:
    if isinstance(event, InvoiceIssued):
        return replace(payment, invoice_id=event.invoice_id)
    if isinstance(event, PaymentRequested):
        before = payment.operation(event.operation)
        requested = Operation(
            kind=event.operation,
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
        )
        return _put(payment, requested)
    op = payment.operation(event.operation)
    if op is None:
        return payment
    match event:
        case AnswerAwaited() if event.waiter not in op.waiters:
            op = replace(op, waiters=(*op.waiters, event.waiter))
        case Answered():
            op = replace(op, waiters=tuple(w for w in op.waiters if w != event.waiter))
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


def output(payment: Payment, op: Operation) -> dict[str, object]:
    """What a task is answered once ``op`` is done."""
    if op.kind == CAPTURE:
        invoice = payment.invoice_id or invoice_id(op.order_id)
        return {
            "capture_id": op.reference,
            "amount_cents": op.amount_cents,
            "currency": op.currency,
            "invoice_id": invoice,
        }
    return {"refund_id": op.reference, "amount_cents": op.amount_cents, "currency": op.currency}


def _capture(payment: Payment, c: Capture) -> list[Event]:
    op = payment.capture
    if op is not None and op.status is Status.REFUSED and c.payment_token != op.payment_token:
        return _request(payment, c, CAPTURE, op.generation + 1, c.payment_token, None)
    return _operate(payment, c, CAPTURE, c.payment_token, None)


def _refund(payment: Payment, c: Refund) -> list[Event]:
    captured = payment.capture
    if captured is None or captured.status is not Status.DONE:
        cause = f"order {c.order_id} has no capture to refund"
        return [Answered(c.order_id, REFUND, c.waiter, error=NOT_CAPTURED, cause=cause)]
    if c.currency != captured.currency or c.amount_cents > captured.amount_cents:
        cause = (
            f"amount_cents: {c.amount_cents} {c.currency} exceeds the capture of "
            f"{captured.amount_cents} {captured.currency}"
        )
        return [Answered(c.order_id, REFUND, c.waiter, error=BAD_REQUEST, cause=cause)]
    return _operate(payment, c, REFUND, None, captured.reference)


def _operate(
    payment: Payment, c: Capture | Refund, kind: str, token: str | None, capture_id: str | None
) -> list[Event]:
    op = payment.operation(kind)
    if op is None:
        return _request(payment, c, kind, 0, token, capture_id)
    match op.status:
        case Status.DONE:
            return [Answered(c.order_id, kind, c.waiter, output=output(payment, op))]
        case Status.REFUSED:
            return [Answered(c.order_id, kind, c.waiter, error=op.error, cause=op.cause)]
        case Status.PENDING if c.now_ms < op.deadline_ms:
            return [AnswerAwaited(c.order_id, kind, c.waiter)]
    return _request(payment, c, kind, op.generation, token, capture_id)


def _request(
    payment: Payment,
    c: Capture | Refund,
    kind: str,
    generation: int,
    token: str | None,
    capture_id: str | None,
) -> list[Event]:
    before = payment.operation(kind)
    attempt = before.attempt + 1 if before else 1
    requested = PaymentRequested(
        order_id=c.order_id,
        operation=kind,
        request_id=request_id(kind, c.order_id, attempt),
        attempt=attempt,
        generation=generation,
        idempotency_key=idempotency_key(kind, c.order_id, generation),
        amount_cents=c.amount_cents,
        currency=c.currency,
        deadline_ms=c.deadline_ms,
        payment_token=token,
        capture_id=capture_id,
    )
    return [requested, AnswerAwaited(c.order_id, kind, c.waiter)]


def _answered(payment: Payment, a: ProviderAnswered) -> list[Event]:
    op = payment.operation(a.kind)
    if op is None:
        return []
    if a.outcome is Outcome.SUCCEEDED:
        return [] if op.status is Status.DONE else _succeeded(payment, op, a)
    if op.status is not Status.PENDING or a.request_id != op.request_id:
        return []
    if a.outcome is Outcome.UNAVAILABLE:
        failed: Event = PaymentAttemptFailed(op.order_id, op.kind, a.cause, a.request_id)
        return [failed, *_tell(op, error=UNAVAILABLE, cause=a.cause)]
    error = DECLINED if a.outcome is Outcome.DECLINED else REJECTED
    declined: Event = PaymentDeclined(op.order_id, op.kind, error, a.cause, a.request_id)
    return [declined, *_tell(op, error=error, cause=a.cause)]


def _succeeded(payment: Payment, op: Operation, a: ProviderAnswered) -> list[Event]:
    ref = a.reference or a.request_id
    events: list[Event] = []
    if op.kind == CAPTURE:
        events.append(PaymentCaptured(op.order_id, ref, op.amount_cents, op.currency, a.request_id))
        if payment.invoice_id is None:
            invoice = invoice_id(op.order_id)
            events.append(InvoiceIssued(op.order_id, invoice, op.amount_cents, op.currency))
    else:
        events.append(PaymentRefunded(op.order_id, ref, op.amount_cents, op.currency, a.request_id))
    after = apply(payment, events)
    done = after.operation(op.kind)
    assert done is not None
    return [*events, *_tell(op, output=output(after, done))]


def _tell(
    op: Operation, *, output: object = None, error: str | None = None, cause: str = ""
) -> list[Event]:
    return [Answered(op.order_id, op.kind, w, output, error, cause) for w in op.waiters]


def _put(payment: Payment, op: Operation) -> Payment:
    if op.kind == CAPTURE:
        return replace(payment, capture=op)
    return replace(payment, refund=op)
