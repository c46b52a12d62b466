"""Billing's storefront payments as stories: paid is recorded, authorized is captured
through the storefront once, pending waits for the storefront's word, voided is refused."""

from __future__ import annotations

import json

import pytest

from billing_service.commands import parse
from billing_service.domain import apply, decide
from billing_service.events import vendor_request
from billing_service.model import (
    CAPTURE,
    STOREFRONT,
    AnswerAwaited,
    Answered,
    Cancel,
    Capture,
    Command,
    Event,
    InvoiceIssued,
    Outcome,
    Payment,
    PaymentAwaited,
    PaymentCaptured,
    PaymentRequested,
    PaymentSettled,
    ProviderAnswered,
    Refund,
    Status,
    StatusReported,
    Waiter,
)
from orderloom.events.envelope import Envelope

T0 = 1_000_000
ORDER = 820982911946154508
AUTHORIZATION = 389404469


def waiter(n: int) -> Waiter:
    return Waiter(f"tok{n}", "o1", "workflow.inputs")


def capture(status: str, n: int = 1, authorization: int | None = AUTHORIZATION) -> Capture:
    return Capture(
        "o1", 2447, "USD", None, waiter(n), T0, T0 + 600_000, status, ORDER, authorization
    )


def reported(status: str, authorization: int | None = None, now: int = T0 + 5000) -> Command:
    return StatusReported("o1", status, authorization, now)


def run(payment: Payment, *commands: Command) -> tuple[Payment, list[Event]]:
    events: list[Event] = []
    for command in commands:
        events = decide(payment, command)
        payment = apply(payment, events)
    return payment, events


def answers(events: list[Event]) -> list[Answered]:
    return [e for e in events if isinstance(e, Answered)]


def test_a_paid_order_is_recorded_invoiced_and_answered_with_nothing_captured() -> None:
    payment, events = run(Payment("o1"), capture("paid"))
    assert not [e for e in events if isinstance(e, PaymentRequested | PaymentCaptured)]
    assert any(isinstance(e, PaymentSettled) for e in events)
    assert any(isinstance(e, InvoiceIssued) for e in events)
    (answer,) = answers(events)
    assert answer.error is None and answer.output["capture_id"] == "storefront"
    assert payment.capture is not None and payment.capture.status is Status.PAID
    _, repeated = run(payment, capture("paid", n=2))
    assert repeated == [Answered("o1", CAPTURE, waiter(2), answer.output)]


def test_an_authorized_order_is_captured_through_the_storefront_once() -> None:
    payment, events = run(Payment("o1"), capture("authorized"))
    (request,) = [e for e in events if isinstance(e, PaymentRequested)]
    assert (request.method, request.idempotency_key) == (STOREFRONT, "capture:o1")
    assert request.request_id == "capture:o1:1", "waiting for the payment is no attempt"
    assert request.authorization_id == AUTHORIZATION
    assert AnswerAwaited("o1", CAPTURE, waiter(1)) in events
    envelope = Envelope.new("t", "s", "o1", {})
    sent = vendor_request(request, cause=envelope, reply_topic="replies")
    assert (sent.data["vendor"], sent.data["operation"]) == ("storefront", "capture")
    assert json.loads(sent.data["body"]) == {
        "order_id": "o1",
        "amount_cents": 2447,
        "currency": "USD",
        "storefront_order_id": ORDER,
        "kind": "capture",
        "parent_id": AUTHORIZATION,
    }
    _, waiting = run(payment, capture("authorized", n=2))
    assert waiting == [AnswerAwaited("o1", CAPTURE, waiter(2))], "nothing sent twice"
    answer = ProviderAnswered("o1", CAPTURE, request.request_id, Outcome.SUCCEEDED, "tx-1")
    done, told = run(payment, answer)
    assert done.capture is not None and done.capture.status is Status.DONE
    assert [a.waiter for a in answers(told)] == [waiter(1)]


def test_a_pending_order_waits_then_is_recorded_once_the_storefront_says_paid() -> None:
    payment, events = run(Payment("o1"), capture("pending"))
    assert events == [
        PaymentAwaited("o1", 2447, "USD", ORDER, AUTHORIZATION),
        AnswerAwaited("o1", CAPTURE, waiter(1)),
    ]
    payment, still = run(payment, reported("pending"))
    assert not answers(still)
    payment, events = run(payment, reported("paid"))
    (answer,) = answers(events)
    assert answer.waiter == waiter(1) and answer.error is None
    assert payment.capture is not None and payment.capture.status is Status.PAID


def test_a_pending_order_then_authorized_is_captured_through_the_storefront() -> None:
    payment, _ = run(Payment("o1"), capture("pending", authorization=None))
    payment, events = run(payment, reported("authorized", authorization=77))
    (request,) = [e for e in events if isinstance(e, PaymentRequested)]
    assert (request.method, request.authorization_id) == (STOREFRONT, 77)
    assert request.deadline_ms == T0 + 5000 + 300_000
    assert not answers(events), "the waiting task is answered when the capture lands"
    assert payment.capture is not None and payment.capture.waiters == (waiter(1),)


def test_paid_reported_before_the_capture_is_asked_for_is_remembered() -> None:
    payment, _ = run(Payment("o1"), reported("paid"))
    assert payment.reported == "paid"
    _, events = run(payment, capture("pending"))
    (answer,) = answers(events)
    assert answer.error is None


@pytest.mark.parametrize("status", ["voided", "refunded", "expired"])
def test_money_the_storefront_says_is_gone_is_refused_by_name(status: str) -> None:
    _, events = run(Payment("o1"), capture(status))
    (answer,) = answers(events)
    assert answer.error == "Payment.Voided" and status in answer.cause
    payment, _ = run(Payment("o1"), capture("pending"))
    _, events = run(payment, reported(status))
    (answer,) = answers(events)
    assert (answer.waiter, answer.error) == (waiter(1), "Payment.Voided")


def test_a_cancellation_answers_a_capture_waiting_for_payment() -> None:
    payment, _ = run(Payment("o1"), capture("pending"))
    _, events = run(payment, Cancel("o1", waiter(5), T0, T0 + 1000))
    told = {a.waiter: a.error for a in answers(events)}
    assert told[waiter(1)] == "Billing.OrderCancelled"


def test_a_refund_the_storefront_reports_is_recorded_not_asked_for_again() -> None:
    payment, _ = run(Payment("o1"), capture("paid"))
    payment, events = run(payment, Refund("o1", 500, "USD", waiter(3), T0, T0 + 1000, "5095"))
    assert not [e for e in events if isinstance(e, PaymentRequested)]
    (answer,) = answers(events)
    assert answer.output["amount_cents"] == 500
    assert payment.refundable_cents == 1947
    _, events = run(payment, Refund("o1", 500, "USD", waiter(4), T0, T0 + 1000, "5095"))
    assert not [e for e in events if isinstance(e, PaymentRequested)]


def test_a_failed_fulfilment_refunds_through_the_storefront_that_holds_the_money() -> None:
    payment, _ = run(Payment("o1"), capture("paid"))
    _, events = run(payment, Refund("o1", 2447, "USD", waiter(3), T0, T0 + 1000))
    (request,) = [e for e in events if isinstance(e, PaymentRequested)]
    assert (request.method, request.storefront_order_id) == (STOREFRONT, ORDER)


def test_the_workflows_payment_object_is_read_into_a_capture() -> None:
    body = {
        "order_id": "o1",
        "amount_cents": 2447,
        "currency": "USD",
        "payment": {
            "financial_status": "authorized",
            "payment_token": None,
            "storefront_order_id": ORDER,
            "authorization_id": AUTHORIZATION,
        },
    }
    command = parse("capture", json.dumps(body), waiter(1), T0, None)
    assert isinstance(command, Capture)
    assert (command.payment_token, command.financial_status) == (None, "authorized")
    assert (command.storefront_order_id, command.authorization_id) == (ORDER, AUTHORIZATION)
    with_token = {**body, "payment": {"payment_token": "tok_ok", "financial_status": None}}
    assert parse("capture", json.dumps(with_token), waiter(1), T0, None).payment_token == "tok_ok"  # type: ignore[union-attr]
