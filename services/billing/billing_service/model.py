"""Billing's vocabulary: an order's capture and its refunds, each an operation done at most
once. A refund is named by its ``refund_id`` (the storefront's, ``cancellation``, or empty
for the whole-order refund of a failed fulfilment); together they never exceed the capture.

An operation is ``pending`` while the provider is being asked, ``done`` once it answered
yes, ``refused`` when it said no for good (a declined card), ``failed`` when the last
attempt could not reach a verdict (timeout, 5xx) and may be tried again. A capture is
``awaiting`` while the storefront has not reported the order paid, and ``paid`` when the
storefront took the money itself (recorded, nothing captured).

Who holds the money is the operation's ``method``: ``provider`` (the payment provider,
asked with the order's payment token) or ``storefront`` (the storefront's own payment:
authorizations captured and refunds of ours made through its API). Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CAPTURE = "capture"
REFUND = "refund"
PROVIDER = "provider"
STOREFRONT = "storefront"


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"
    AWAITING = "awaiting"
    PAID = "paid"


class Outcome(StrEnum):
    """The provider's verdict on one request."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    REJECTED = "rejected"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Waiter:
    """A workflow task waiting for an operation's outcome."""

    task_token: str
    execution_id: str
    reply_topic: str
    correlation_id: str | None = None


@dataclass(frozen=True)
class Operation:
    kind: str
    order_id: str
    amount_cents: int
    currency: str
    status: Status
    request_id: str
    attempt: int = 1
    generation: int = 0
    deadline_ms: int = 0
    payment_token: str | None = None
    reference: str | None = None
    error: str | None = None
    cause: str = ""
    waiters: tuple[Waiter, ...] = ()
    refund_id: str = ""
    method: str = PROVIDER
    storefront_order_id: int | None = None
    authorization_id: int | None = None


@dataclass(frozen=True)
class Payment:
    """An order's capture and refunds; ``cancelled`` once billing knows the order is;
    ``reported`` is the storefront's latest financial status (and its authorization)."""

    order_id: str
    capture: Operation | None = None
    refunds: tuple[Operation, ...] = ()
    invoice_id: str | None = None
    cancelled: bool = False
    reported: str | None = None
    reported_authorization: int | None = None

    def operation(self, kind: str, refund_id: str = "") -> Operation | None:
        if kind == CAPTURE:
            return self.capture
        return next((r for r in self.refunds if r.refund_id == refund_id), None)

    @property
    def refundable_cents(self) -> int:
        """What is left of the capture once every refund not refused is counted."""
        if self.capture is None or self.capture.status not in SETTLED:
            return 0
        taken = sum(r.amount_cents for r in self.refunds if r.status is not Status.REFUSED)
        return self.capture.amount_cents - taken


SETTLED = frozenset({Status.DONE, Status.PAID})
"""A capture whose money the shop has: refunds may be made against it."""


# Commands


@dataclass(frozen=True)
class Capture:
    """Take the order's money: with ``payment_token`` from the payment provider, else as
    the storefront's ``financial_status`` says (paid, authorized, or wait for it)."""

    order_id: str
    amount_cents: int
    currency: str
    payment_token: str | None
    waiter: Waiter
    now_ms: int
    deadline_ms: int
    financial_status: str | None = None
    storefront_order_id: int | None = None
    authorization_id: int | None = None


@dataclass(frozen=True)
class Refund:
    order_id: str
    amount_cents: int
    currency: str
    waiter: Waiter
    now_ms: int
    deadline_ms: int
    refund_id: str = ""


@dataclass(frozen=True)
class Cancel:
    """The order is cancelled: capture nothing more, refund what is left of the capture."""

    order_id: str
    waiter: Waiter
    now_ms: int
    deadline_ms: int


@dataclass(frozen=True)
class ProviderAnswered:
    order_id: str
    kind: str
    request_id: str
    outcome: Outcome
    reference: str | None = None
    cause: str = ""
    refund_id: str = ""
    now_ms: int = 0


@dataclass(frozen=True)
class StatusReported:
    """The storefront's word on the order's payment (``orders/paid``, ``orders/updated``)."""

    order_id: str
    financial_status: str
    authorization_id: int | None
    now_ms: int


Command = Capture | Refund | Cancel | ProviderAnswered | StatusReported


# Events


@dataclass(frozen=True)
class PaymentRequested:
    """Ask the provider; ``idempotency_key`` is the same for every attempt of a generation."""

    order_id: str
    operation: str
    request_id: str
    attempt: int
    generation: int
    idempotency_key: str
    amount_cents: int
    currency: str
    deadline_ms: int
    payment_token: str | None = None
    capture_id: str | None = None
    refund_id: str = ""
    method: str = PROVIDER
    storefront_order_id: int | None = None
    authorization_id: int | None = None


@dataclass(frozen=True)
class PaymentAwaited:
    """The capture waits for the storefront to report the order paid or authorized."""

    order_id: str
    amount_cents: int
    currency: str
    storefront_order_id: int | None
    authorization_id: int | None


@dataclass(frozen=True)
class PaymentSettled:
    """The storefront has the order's money (``paid``): recorded, nothing captured."""

    order_id: str
    amount_cents: int
    currency: str
    financial_status: str
    storefront_order_id: int | None = None


@dataclass(frozen=True)
class StorefrontReported:
    """What billing learned of the storefront's financial status, kept for a later capture."""

    order_id: str
    financial_status: str
    authorization_id: int | None


@dataclass(frozen=True)
class AnswerAwaited:
    order_id: str
    operation: str
    waiter: Waiter
    refund_id: str = ""


@dataclass(frozen=True)
class PaymentCaptured:
    order_id: str
    capture_id: str
    amount_cents: int
    currency: str
    request_id: str

    @property
    def operation(self) -> str:
        return CAPTURE


@dataclass(frozen=True)
class PaymentRefunded:
    """``refund_id`` is the provider's reference; ``order_refund_id`` names the refund."""

    order_id: str
    refund_id: str
    amount_cents: int
    currency: str
    request_id: str
    order_refund_id: str = ""

    @property
    def operation(self) -> str:
        return REFUND


@dataclass(frozen=True)
class PaymentDeclined:
    order_id: str
    operation: str
    error: str
    cause: str
    request_id: str
    refund_id: str = ""


@dataclass(frozen=True)
class PaymentAttemptFailed:
    order_id: str
    operation: str
    cause: str
    request_id: str
    refund_id: str = ""


@dataclass(frozen=True)
class OrderCancelled:
    """Billing knows the order is cancelled: it captures nothing more for it."""

    order_id: str


@dataclass(frozen=True)
class InvoiceIssued:
    order_id: str
    invoice_id: str
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class Answered:
    """An outcome for one waiting task: an output, or an error name and cause."""

    order_id: str
    operation: str
    waiter: Waiter
    output: Any = None
    error: str | None = None
    cause: str = ""
    refund_id: str = ""


Event = (
    PaymentRequested
    | PaymentAwaited
    | PaymentSettled
    | StorefrontReported
    | AnswerAwaited
    | PaymentCaptured
    | PaymentRefunded
    | PaymentDeclined
    | PaymentAttemptFailed
    | InvoiceIssued
    | OrderCancelled
    | Answered
)
