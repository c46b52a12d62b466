"""Payment the storefront's way: its ``financial_status`` says where the money is (pure).

Shopify's statuses (``OrderDisplayFinancialStatus``; shopify.dev/docs/api/admin-graphql/
latest/enums/OrderDisplayFinancialStatus): ``paid`` (and ``partially_refunded``) means the
storefront took the money: recorded, nothing captured. ``authorized`` means the money is
reserved: billing captures it through the storefront's API (the gateway's
``storefront.capture``, a capture transaction against the authorization, once per order
under one idempotency key). ``pending`` and ``partially_paid`` mean not paid yet: the
capture waits, in billing's records, until ``orders/paid`` or ``orders/updated`` reports
the order paid or authorized; the workflow's task timeout bounds the wait. ``voided``,
``refunded`` and ``expired`` mean there is no money to take: the capture is refused.

A refund the storefront reports (``refunds/create``, named by its numeric id) has already
moved the money there: it is recorded, not asked for again.
"""

from __future__ import annotations

from dataclasses import replace

from billing_service import domain
from billing_service.ids import invoice_id
from billing_service.model import (
    CAPTURE,
    STOREFRONT,
    AnswerAwaited,
    Answered,
    Capture,
    Event,
    InvoiceIssued,
    Operation,
    Payment,
    PaymentAwaited,
    PaymentDeclined,
    PaymentRefunded,
    PaymentSettled,
    Refund,
    Status,
    StatusReported,
    StorefrontReported,
    Waiter,
)
from billing_service.operations import operate, output, requested, tell

PAID = frozenset({"paid", "partially_refunded"})
AUTHORIZED = frozenset({"authorized"})
AWAITED = frozenset({"pending", "partially_paid"})
GONE = frozenset({"voided", "refunded", "expired"})
VOIDED = "Payment.Voided"
BAD_STATUS = "Billing.BadRequest"
CAPTURE_DEADLINE_MS = 300_000


def capture(payment: Payment, c: Capture) -> list[Event]:
    """A capture without payment token: as the storefront says, or as it last reported."""
    op = payment.capture
    if op is not None and op.status is Status.AWAITING:
        return [AnswerAwaited(c.order_id, CAPTURE, c.waiter)]
    if op is not None and op.status is Status.PAID:
        return [Answered(c.order_id, CAPTURE, c.waiter, output(payment, op))]
    if op is not None:
        return operate(payment, c, CAPTURE, None, None)
    status = payment.reported or c.financial_status
    authorization = payment.reported_authorization or c.authorization_id
    awaited = PaymentAwaited(
        c.order_id, c.amount_cents, c.currency, c.storefront_order_id, authorization
    )
    if status in AWAITED:
        return [awaited, AnswerAwaited(c.order_id, CAPTURE, c.waiter)]
    if status in PAID | AUTHORIZED | GONE:
        after = _apply(payment, [awaited])
        waiting = _op(after)
        settled = _settle(after, waiting, status, c.now_ms, c.deadline_ms)
        return [awaited, *settled, *_answer(_apply(after, settled), c.waiter)]
    cause = f"payment.financial_status: {status!r} is not a status billing can follow"
    return [Answered(c.order_id, CAPTURE, c.waiter, error=BAD_STATUS, cause=cause)]


def reported(payment: Payment, r: StatusReported) -> list[Event]:
    """The storefront's word: kept, and a capture waiting for it goes on."""
    events: list[Event] = []
    if (payment.reported, payment.reported_authorization) != (
        r.financial_status,
        r.authorization_id,
    ):
        events.append(StorefrontReported(r.order_id, r.financial_status, r.authorization_id))
    op = payment.capture
    if op is None or op.status is not Status.AWAITING or r.financial_status in AWAITED:
        return events
    if op.authorization_id is None and r.authorization_id is not None:
        op = _with_authorization(op, r.authorization_id)
    deadline = r.now_ms + CAPTURE_DEADLINE_MS
    settled = _settle(payment, op, r.financial_status, r.now_ms, deadline)
    if not settled:
        return events
    after = _apply(payment, [*events, *settled])
    done = _op(after)
    if done.status is Status.PENDING:
        return [*events, *settled]
    if done.status is Status.PAID:
        return [*events, *settled, *tell(op, output=output(after, done))]
    return [*events, *settled, *tell(op, error=done.error, cause=done.cause)]


def recorded_refund(payment: Payment, c: Refund) -> list[Event]:
    """A refund the storefront made and reported: recorded as done, answered at once."""
    reference = f"storefront-refund-{c.refund_id}"
    refunded = PaymentRefunded(
        c.order_id, reference, c.amount_cents, c.currency, "", order_refund_id=c.refund_id
    )
    done = {"refund_id": reference, "amount_cents": c.amount_cents, "currency": c.currency}
    return [refunded, Answered(c.order_id, "refund", c.waiter, done, refund_id=c.refund_id)]


def _settle(
    payment: Payment, op: Operation, status: str, now_ms: int, deadline_ms: int
) -> list[Event]:
    """What a waiting capture becomes once the storefront's status is known."""
    if status in PAID:
        settled = PaymentSettled(
            op.order_id, op.amount_cents, op.currency, status, op.storefront_order_id
        )
        issued = (
            []
            if payment.invoice_id
            else [InvoiceIssued(op.order_id, invoice_id(op.order_id), op.amount_cents, op.currency)]
        )
        return [settled, *issued]
    if status in AUTHORIZED:
        return [
            requested(
                payment,
                CAPTURE,
                "",
                amount_cents=op.amount_cents,
                currency=op.currency,
                deadline_ms=min(deadline_ms, now_ms + CAPTURE_DEADLINE_MS),
                method=STOREFRONT,
                storefront_order_id=op.storefront_order_id,
                authorization_id=op.authorization_id,
            )
        ]
    if status in GONE:
        cause = f"the storefront says the order's payment is {status}: nothing to capture"
        return [PaymentDeclined(op.order_id, CAPTURE, VOIDED, cause, "")]
    return []


def _answer(payment: Payment, waiter: Waiter) -> list[Event]:
    op = _op(payment)
    if op.status is Status.PENDING:
        return [AnswerAwaited(op.order_id, CAPTURE, waiter)]
    if op.status is Status.PAID:
        return [Answered(op.order_id, CAPTURE, waiter, output(payment, op))]
    return [Answered(op.order_id, CAPTURE, waiter, None, op.error, op.cause)]


def _with_authorization(op: Operation, authorization_id: int) -> Operation:
    return replace(op, authorization_id=authorization_id)


def _op(payment: Payment) -> Operation:
    assert payment.capture is not None
    return payment.capture


def _apply(payment: Payment, events: list[Event]) -> Payment:
    return domain.apply(payment, events)
