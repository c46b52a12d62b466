"""A cancellation against a capture in every order, and named partial refunds, as stories:
money moves once, never more is refunded than was captured."""

from __future__ import annotations

from billing_service.cancellation import CANCELLATION, ORDER_CANCELLED
from billing_service.domain import REFUND_EXCEEDS_CAPTURE
from billing_service.ids import parse_request_id
from billing_service.model import (
    CAPTURE,
    Answered,
    Cancel,
    Event,
    OrderCancelled,
    Outcome,
    Payment,
    PaymentCaptured,
    PaymentRefunded,
    ProviderAnswered,
    Refund,
)
from tests.unit.billing.test_domain import T0, capture, provider, requests, run, waiter

CAPTURED = provider(CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1")


def cancel(n: int = 7) -> Cancel:
    return Cancel("o1", waiter(n), T0, T0 + 600_000)


def refund(refund_id: str, amount: int, n: int = 8) -> Refund:
    return Refund("o1", amount, "EUR", waiter(n), T0, T0 + 600_000, refund_id)


def reply(request_id: str, outcome: Outcome, ref: str | None = None) -> ProviderAnswered:
    """The provider's verdict as the handler reads it back from the request id."""
    names = parse_request_id(request_id)
    assert names is not None
    kind, refund_id, order_id = names
    return ProviderAnswered(order_id, kind, request_id, outcome, ref, "said so", refund_id)


def answers(events: list[Event]) -> list[Answered]:
    return [e for e in events if isinstance(e, Answered)]


def test_cancelled_before_the_capture_nothing_is_captured() -> None:
    payment, events = run(Payment("o1"), cancel())
    assert events[0] == OrderCancelled("o1")
    assert answers(events)[0].output == {
        "refund_id": None,
        "amount_cents": 0,
        "currency": None,
        "capture": None,
    }
    payment, events = run(payment, capture())
    assert requests(events) == [] and answers(events)[0].error == ORDER_CANCELLED


def test_cancelled_after_the_capture_the_rest_is_refunded_once() -> None:
    captured, _ = run(Payment("o1"), capture(), CAPTURED)
    pending, events = run(captured, cancel())
    (request,) = requests(events)
    assert (request.idempotency_key, request.amount_cents, request.capture_id) == (
        "refund/cancellation:o1",
        2500,
        "ch_1",
    )
    done, events = run(pending, reply(request.request_id, Outcome.SUCCEEDED, "re_1"))
    assert events[0] == PaymentRefunded("o1", "re_1", 2500, "EUR", request.request_id, CANCELLATION)
    assert answers(events)[0].output == {
        "refund_id": "re_1",
        "amount_cents": 2500,
        "currency": "EUR",
    }
    _, again = run(done, cancel(9))
    assert requests(again) == [] and answers(again)[0].output["refund_id"] == "re_1"
    _, retried = run(done, capture(3))
    assert answers(retried)[0].error == ORDER_CANCELLED


def test_a_capture_that_lands_after_the_cancellation_is_refunded_and_reported_cancelled() -> None:
    asked, _ = run(Payment("o1"), capture())
    cancelled, events = run(asked, cancel())
    assert requests(events) == [] and answers(events)[0].output["capture"] == "pending"
    landed = ProviderAnswered("o1", CAPTURE, "capture:o1:1", Outcome.SUCCEEDED, "ch_1", now_ms=T0)
    after, events = run(cancelled, landed)
    assert isinstance(events[0], PaymentCaptured)
    (refund_request,) = requests(events)
    assert (refund_request.refund_id, refund_request.amount_cents) == (CANCELLATION, 2500)
    (told,) = answers(events)
    assert (told.waiter, told.error) == (waiter(1), ORDER_CANCELLED)
    _, again = run(after, cancel(9))
    assert requests(again) == [] and not answers(again)  # waits for the refund under way


def test_a_capture_declined_after_the_cancellation_is_reported_cancelled() -> None:
    cancelled, _ = run(Payment("o1"), capture(), cancel())
    _, events = run(cancelled, provider(CAPTURE, "capture:o1:1", Outcome.DECLINED))
    assert requests(events) == []
    assert answers(events)[0].error == ORDER_CANCELLED


def test_partial_refunds_each_once_never_more_than_captured() -> None:
    payment, _ = run(Payment("o1"), capture(), CAPTURED)
    for refund_id in ("r1", "r2"):
        payment, events = run(payment, refund(refund_id, 1000))
        (request,) = requests(events)
        assert request.idempotency_key == f"refund/{refund_id}:o1"
        payment, _ = run(payment, reply(request.request_id, Outcome.SUCCEEDED))
    _, again = run(payment, refund("r1", 1000, n=5))
    assert requests(again) == [] and answers(again)[0].output["amount_cents"] == 1000
    _, too_much = run(payment, refund("r3", 600))
    assert answers(too_much)[0].error == REFUND_EXCEEDS_CAPTURE
    assert "600 EUR exceeds the 500 left of the capture of 2500 EUR" in answers(too_much)[0].cause
    _, events = run(payment, cancel())
    assert [r.amount_cents for r in requests(events)] == [500]


def test_a_refund_the_provider_refuses_does_not_count_against_the_capture() -> None:
    payment, events = run(Payment("o1"), capture(), CAPTURED, refund("r1", 2500))
    (request,) = requests(events)
    payment, _ = run(payment, reply(request.request_id, Outcome.REJECTED))
    assert payment.refundable_cents == 2500
    _, events = run(payment, refund("r2", 2500))
    assert len(requests(events)) == 1
