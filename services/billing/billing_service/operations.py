"""Asking the provider for one operation and answering those who wait for it: shared by
captures, refunds and cancellations (pure)."""

from __future__ import annotations

from billing_service.ids import idempotency_key, invoice_id, request_id
from billing_service.model import (
    CAPTURE,
    PROVIDER,
    AnswerAwaited,
    Answered,
    Capture,
    Event,
    Operation,
    Payment,
    PaymentRequested,
    Refund,
    Status,
)


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


def operate(
    payment: Payment, c: Capture | Refund, kind: str, token: str | None, capture_id: str | None
) -> list[Event]:
    """Answer from the operation's record, wait for it, or (first time, or its last attempt
    failed or passed its deadline) ask the provider."""
    refund_id = c.refund_id if isinstance(c, Refund) else ""
    op = payment.operation(kind, refund_id)
    if op is None:
        return request(payment, c, kind, 0, token, capture_id)
    match op.status:
        case Status.DONE:
            answer = Answered(c.order_id, kind, c.waiter, output(payment, op), refund_id=refund_id)
            return [answer]
        case Status.REFUSED:
            return [Answered(c.order_id, kind, c.waiter, None, op.error, op.cause, refund_id)]
        case Status.PENDING if c.now_ms < op.deadline_ms:
            return [AnswerAwaited(c.order_id, kind, c.waiter, refund_id)]
    return request(payment, c, kind, op.generation, token, capture_id)


def request(
    payment: Payment,
    c: Capture | Refund,
    kind: str,
    generation: int,
    token: str | None,
    capture_id: str | None,
) -> list[Event]:
    refund_id = c.refund_id if isinstance(c, Refund) else ""
    asked = requested(
        payment,
        kind,
        refund_id,
        amount_cents=c.amount_cents,
        currency=c.currency,
        deadline_ms=c.deadline_ms,
        generation=generation,
        token=token,
        capture_id=capture_id,
    )
    return [asked, AnswerAwaited(c.order_id, kind, c.waiter, refund_id)]


def requested(
    payment: Payment,
    kind: str,
    refund_id: str,
    *,
    amount_cents: int,
    currency: str,
    deadline_ms: int,
    generation: int = 0,
    token: str | None = None,
    capture_id: str | None = None,
    method: str | None = None,
    storefront_order_id: int | None = None,
    authorization_id: int | None = None,
) -> PaymentRequested:
    """Ask for ``kind`` of whoever holds the money: the method, the storefront's order and
    authorization are the operation's own, else its capture's, unless given."""
    before = payment.operation(kind, refund_id)
    attempt = before.attempt + 1 if before else 1
    basis = before or payment.capture
    return PaymentRequested(
        order_id=payment.order_id,
        operation=kind,
        request_id=request_id(kind, payment.order_id, attempt, refund_id),
        attempt=attempt,
        generation=generation,
        idempotency_key=idempotency_key(kind, payment.order_id, generation, refund_id),
        amount_cents=amount_cents,
        currency=currency,
        deadline_ms=deadline_ms,
        payment_token=token,
        capture_id=capture_id,
        refund_id=refund_id,
        method=method or (basis.method if basis else PROVIDER),
        storefront_order_id=storefront_order_id or (basis.storefront_order_id if basis else None),
        authorization_id=authorization_id
        or (basis.authorization_id if basis and kind == CAPTURE else None),
    )


def tell(
    op: Operation, *, output: object = None, error: str | None = None, cause: str = ""
) -> list[Event]:
    """The answer for every task waiting on ``op``."""
    return [
        Answered(op.order_id, op.kind, w, output, error, cause, op.refund_id) for w in op.waiters
    ]
