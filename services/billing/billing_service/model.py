"""Billing's vocabulary: an order's capture and refund, each an operation done at most once.

An operation is ``pending`` while the provider is being asked, ``done`` once it answered
yes, ``refused`` when it said no for good (a declined card), ``failed`` when the last
attempt could not reach a verdict (timeout, 5xx) and may be tried again. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CAPTURE = "capture"
REFUND = "refund"


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"


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


@dataclass(frozen=True)
class Payment:
    order_id: str
    capture: Operation | None = None
    refund: Operation | None = None
    invoice_id: str | None = None

    def operation(self, kind: str) -> Operation | None:
        return self.capture if kind == CAPTURE else self.refund


# Commands


@dataclass(frozen=True)
class Capture:
    order_id: str
    amount_cents: int
    currency: str
    payment_token: str
    waiter: Waiter
    now_ms: int
    deadline_ms: int


@dataclass(frozen=True)
class Refund:
    order_id: str
    amount_cents: int
    currency: str
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


Command = Capture | Refund | ProviderAnswered


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


@dataclass(frozen=True)
class AnswerAwaited:
    order_id: str
    operation: str
    waiter: Waiter


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
    order_id: str
    refund_id: str
    amount_cents: int
    currency: str
    request_id: str

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


@dataclass(frozen=True)
class PaymentAttemptFailed:
    order_id: str
    operation: str
    cause: str
    request_id: str


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


Event = (
    PaymentRequested
    | AnswerAwaited
    | PaymentCaptured
    | PaymentRefunded
    | PaymentDeclined
    | PaymentAttemptFailed
    | InvoiceIssued
    | Answered
)
