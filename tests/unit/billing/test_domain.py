"""Billing's rules as stories: a capture and a refund reach the provider once per order."""

from __future__ import annotations

from billing_service.domain import (
    DECLINED,
    NOT_CAPTURED,
    REFUND_EXCEEDS_CAPTURE,
    UNAVAILABLE,
    apply,
    decide,
)
from billing_service.model import (
    CAPTURE,
    REFUND,
    AnswerAwaited,
    Answered,
    Capture,
    Command,
    Event,
    InvoiceIssued,
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
    Waiter,
)

T0 = 1_000_000


def waiter(n: int) -> Waiter:
    return Waiter(f"tok{n}", "o1", "workflow.inputs")


def capture(n: int = 1, token: str = "pm_ok", now: int = T0) -> Capture:
    return Capture("o1", 2500, "EUR", token, waiter(n), now, now + 600_000)


def refund(n: int = 9, amount: int = 2500) -> Refund:
    return Refund("o1", amount, "EUR", waiter(n), T0, T0 + 600_000)


def provider(kind: str, request_id: str, outcome: Outcome, ref: str | None = None) -> Command:
    return ProviderAnswered("o1", kind, request_id, outcome, ref, "provider said so")


def run(payment: Payment, *commands: Command) -> tuple[Payment, list[Event]]:
    events: list[Event] = []
    for command in commands:
        decided = decide(payment, command)
        payment = apply(payment, decided)
        events = decided
    return payment, events


def requests(events: list[Event]) -> list[PaymentRequested]:
    return [e for e in events if isinstance(e, PaymentRequested)]


def test_a_capture_asks_the_provider_once_with_the_order_key() -> None:
    payment, events = run(Payment("o1"), capture())
    (request,) = requests(events)
    assert request.idempotency_key == "capture:o1"
    assert request.request_id == "capture:o1:1"
    assert AnswerAwaited("o1", CAPTURE, waiter(1)) in events
    assert payment.capture is not None and payment.capture.status is Status.PENDING


def test_a_repeated_capture_while_pending_waits_and_sends_nothing() -> None:
    payment, events = run(Payment("o1"), capture(1), capture(2))
    assert events == [AnswerAwaited("o1", CAPTURE, waiter(2))]
    assert payment.capture is not None and len(payment.capture.waiters) == 2


def test_a_capture_past_its_deadline_is_sent_again_under_the_same_key() -> None:
    _, events = run(Payment("o1"), capture(1), capture(2, now=T0 + 700_000))
    (request,) = requests(events)
    assert (request.request_id, request.idempotency_key) == ("capture:o1:2", "capture:o1")


def test_success_answers_every_waiter_and_issues_one_invoice() -> None:
    payment, events = run(
        Payment("o1"),
        capture(1),
        capture(2),
        provider(CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1"),
    )
    assert events[0] == PaymentCaptured("o1", "ch_1", 2500, "EUR", "capture:o1:1")
    assert events[1] == InvoiceIssued("o1", "INV-o1", 2500, "EUR")
    answers = [e for e in events if isinstance(e, Answered)]
    assert [a.waiter for a in answers] == [waiter(1), waiter(2)]
    assert answers[0].output == {
        "capture_id": "ch_1",
        "amount_cents": 2500,
        "currency": "EUR",
        "invoice_id": "INV-o1",
    }
    assert payment.capture is not None and payment.capture.waiters == ()


def test_capture_happens_at_most_once_whatever_is_retried_or_replayed() -> None:
    done, _ = run(
        Payment("o1"), capture(1), provider(CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1")
    )
    for again in (capture(5), capture(6, now=T0 + 10**9)):
        _, events = run(done, again)
        assert requests(events) == []
        assert len(events) == 1 and isinstance(events[0], Answered)
        assert events[0].output["capture_id"] == "ch_1"
    _, duplicate = run(done, provider(CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1"))
    assert duplicate == []


def test_a_decline_is_final_for_that_payment_token() -> None:
    declined, events = run(
        Payment("o1"), capture(1), provider(CAPTURE, "capture:o1:1", Outcome.DECLINED)
    )
    assert isinstance(events[0], PaymentDeclined) and events[0].error == DECLINED
    assert events[1] == Answered("o1", CAPTURE, waiter(1), None, DECLINED, "provider said so")
    _, again = run(declined, capture(2))
    assert requests(again) == [] and isinstance(again[0], Answered)
    assert again[0].error == DECLINED


def test_a_declined_capture_may_be_tried_with_another_payment_token_under_a_new_key() -> None:
    declined, _ = run(
        Payment("o1"), capture(1), provider(CAPTURE, "capture:o1:1", Outcome.DECLINED)
    )
    _, events = run(declined, capture(2, token="pm_other"))
    (request,) = requests(events)
    assert request.idempotency_key == "capture:o1:1" and request.payment_token == "pm_other"


def test_an_open_outcome_answers_unavailable_and_the_retry_asks_again() -> None:
    failed, events = run(
        Payment("o1"), capture(1), provider(CAPTURE, "capture:o1:1", Outcome.UNAVAILABLE)
    )
    assert isinstance(events[0], PaymentAttemptFailed)
    assert isinstance(events[1], Answered) and events[1].error == UNAVAILABLE
    _, retry = run(failed, capture(2))
    (request,) = requests(retry)
    assert request.idempotency_key == "capture:o1" and request.attempt == 2


def test_a_stale_failure_does_not_undo_a_newer_attempt() -> None:
    payment, events = run(
        Payment("o1"),
        capture(1),
        capture(2, now=T0 + 700_000),
        provider(CAPTURE, "capture:o1:1", Outcome.UNAVAILABLE),
    )
    assert events == []
    assert payment.capture is not None and payment.capture.status is Status.PENDING


def test_refund_needs_a_capture_and_happens_once() -> None:
    _, events = run(Payment("o1"), refund())
    assert isinstance(events[0], Answered) and events[0].error == NOT_CAPTURED
    captured, _ = run(
        Payment("o1"), capture(1), provider(CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1")
    )
    _, too_much = run(captured, refund(amount=9999))
    assert isinstance(too_much[0], Answered) and too_much[0].error == REFUND_EXCEEDS_CAPTURE
    pending, events = run(captured, refund())
    (request,) = requests(events)
    assert (request.idempotency_key, request.capture_id) == ("refund:o1", "ch_1")
    refunded, events = run(pending, provider(REFUND, request.request_id, Outcome.SUCCEEDED, "re_1"))
    assert events[0] == PaymentRefunded("o1", "re_1", 2500, "EUR", "refund:o1:1")
    _, again = run(refunded, refund(10))
    assert requests(again) == [] and isinstance(again[0], Answered)
    assert again[0].output == {"refund_id": "re_1", "amount_cents": 2500, "currency": "EUR"}
