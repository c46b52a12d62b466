"""A cancelled order in billing: a fact that makes every order of events safe.

Cancelled before the capture (or while it waits for the storefront's payment), the capture
is refused; cancelled after it, what is left of
the capture is refunded (refund ``cancellation``, once); cancelled while the capture is
with the provider, the capture is refunded as soon as it lands, and the task that asked
for it is told the order was cancelled rather than that it was paid.
"""

from __future__ import annotations

from dataclasses import replace

from billing_service.model import (
    CAPTURE,
    REFUND,
    Answered,
    Cancel,
    Event,
    Operation,
    OrderCancelled,
    Payment,
    PaymentDeclined,
    Refund,
    Status,
)
from billing_service.operations import operate, requested, tell

ORDER_CANCELLED = "Billing.OrderCancelled"
CANCELLATION = "cancellation"
REFUND_DEADLINE_MS = 300_000


def refusal(order_id: str) -> dict[str, str]:
    """The error fields of a capture asked for a cancelled order."""
    return {"error": ORDER_CANCELLED, "cause": f"order {order_id} was cancelled"}


def cancel(payment: Payment, c: Cancel) -> list[Event]:
    events: list[Event] = [] if payment.cancelled else [OrderCancelled(c.order_id)]
    waiting = payment.capture
    if waiting is not None and waiting.status is Status.AWAITING:
        cause = refusal(c.order_id)["cause"]
        events.append(PaymentDeclined(c.order_id, CAPTURE, ORDER_CANCELLED, cause, ""))
        events += tell(waiting, error=ORDER_CANCELLED, cause=cause)
    after = replace(payment, cancelled=True)
    captured, done = after.capture, after.operation(REFUND, CANCELLATION)
    if captured is not None and (done is not None or after.refundable_cents > 0):
        amount = done.amount_cents if done else after.refundable_cents
        refund = Refund(
            c.order_id, amount, captured.currency, c.waiter, c.now_ms, c.deadline_ms, CANCELLATION
        )
        return [*events, *operate(after, refund, REFUND, None, captured.reference)]
    nothing = {
        "refund_id": None,
        "amount_cents": 0,
        "currency": captured.currency if captured else None,
        "capture": captured.status.value if captured else None,
    }
    return [*events, Answered(c.order_id, REFUND, c.waiter, nothing, refund_id=CANCELLATION)]


def captured_late(after: Payment, capture: Operation, now_ms: int) -> list[Event]:
    """A capture of a cancelled order landed: refund it, and tell its tasks so."""
    events: list[Event] = []
    if after.refundable_cents > 0 and after.operation(REFUND, CANCELLATION) is None:
        refund = requested(
            after,
            REFUND,
            CANCELLATION,
            amount_cents=after.refundable_cents,
            currency=capture.currency,
            deadline_ms=now_ms + REFUND_DEADLINE_MS,
            capture_id=capture.reference,
        )
        events.append(refund)
    cause = f"order {capture.order_id} was cancelled; its capture is refunded"
    return [*events, *tell(capture, error=ORDER_CANCELLED, cause=cause)]


def told(payment: Payment, op: Operation, error: str, cause: str) -> tuple[str, str]:
    """The error for tasks waiting on ``op``: a cancelled order's capture says so first."""
    if op.kind == REFUND or not payment.cancelled:
        return error, cause
    return ORDER_CANCELLED, f"order {op.order_id} was cancelled ({error}: {cause})"
