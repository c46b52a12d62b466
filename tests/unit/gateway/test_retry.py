from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.gateway.factories import request
from vendor_gateway.model import Failure, Lane, Outcome
from vendor_gateway.retry import Decision, RetryPolicy, Verdict, parse_retry_after

POLICY = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=20.0)
KEYED_POST = request("r1", Lane.SYNC)
UNKEYED_POST = request("r2", idempotency_key=None)
UNKEYED_GET = request("r3", method="GET", idempotency_key=None)


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(failure=Failure.CONNECT),
        Outcome(failure=Failure.TIMEOUT),
        Outcome(failure=Failure.DISCONNECT),
        Outcome(status=500),
        Outcome(status=503),
        Outcome(status=429),
        Outcome(status=408),
    ],
)
def test_transient_outcomes_are_retried(outcome: Outcome) -> None:
    assert POLICY.is_retryable(KEYED_POST, outcome)
    assert POLICY.is_retryable(UNKEYED_GET, outcome)


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422])
def test_other_4xx_are_terminal(status: int) -> None:
    decision = POLICY.decide(KEYED_POST, Outcome(status=status), attempt=0, now=0.0, draw=0.5)
    assert decision == Decision(Verdict.GIVE_UP, reason="not retryable")


@pytest.mark.parametrize(
    "outcome", [Outcome(failure=Failure.TIMEOUT), Outcome(status=500), Outcome(status=429)]
)
def test_an_unkeyed_post_that_may_have_arrived_is_never_retried(outcome: Outcome) -> None:
    assert not POLICY.is_retryable(UNKEYED_POST, outcome)


@pytest.mark.parametrize(
    "failure",
    [
        Failure.REDIRECT_LOOP,
        Failure.TOO_MANY_REDIRECTS,
        Failure.CROSS_ORIGIN_REDIRECT,
        Failure.TOO_LARGE,
        Failure.MALFORMED,
    ],
)
def test_an_answer_the_gateway_refused_is_terminal(failure: Failure) -> None:
    decision = POLICY.decide(UNKEYED_GET, Outcome(failure=failure), attempt=0, now=0.0, draw=0.5)
    assert decision == Decision(Verdict.GIVE_UP, reason="not retryable")


def test_an_unkeyed_post_that_never_left_may_be_retried() -> None:
    assert POLICY.is_retryable(UNKEYED_POST, Outcome(failure=Failure.CONNECT))


def test_success_is_done() -> None:
    assert POLICY.decide(UNKEYED_POST, Outcome(status=201), 0, 0.0, 0.5).verdict is Verdict.DONE


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [POLICY.backoff(n, 0.999999) for n in range(7)] == pytest.approx(
        [1, 2, 4, 8, 16, 20, 20], rel=1e-5
    )
    assert POLICY.backoff(3, 0.0) == 0.0


@given(attempt=st.integers(min_value=0, max_value=200), draw=st.floats(0.0, 1.0, exclude_max=True))
def test_backoff_stays_within_full_jitter_bounds(attempt: int, draw: float) -> None:
    assert 0.0 <= POLICY.backoff(attempt, draw) <= min(20.0, 2.0**attempt)


def test_stops_after_max_attempts() -> None:
    outcome = Outcome(status=503)
    assert POLICY.decide(KEYED_POST, outcome, 3, 0.0, 0.5).verdict is Verdict.RETRY
    assert POLICY.decide(KEYED_POST, outcome, 4, 0.0, 0.5) == Decision(
        Verdict.GIVE_UP, reason="attempts exhausted"
    )


def test_retry_after_is_a_floor() -> None:
    outcome = Outcome(status=429, retry_after="7")
    assert POLICY.decide(KEYED_POST, outcome, 0, 0.0, 0.5) == Decision(Verdict.RETRY, delay=7.0)
    longer = POLICY.decide(KEYED_POST, outcome, 3, 0.0, 0.9)
    assert longer.delay == pytest.approx(7.2)


def test_gives_up_when_the_wait_passes_the_deadline() -> None:
    deadlined = request("r4", deadline=105.0)
    outcome = Outcome(status=429, retry_after="10")
    assert POLICY.decide(deadlined, outcome, 0, 100.0, 0.0) == Decision(
        Verdict.GIVE_UP, reason="deadline"
    )
    assert POLICY.decide(deadlined, outcome, 0, 90.0, 0.0).verdict is Verdict.RETRY


def test_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2025, 1, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 0.25 ", now) == 0.25
    assert parse_retry_after(later, now) == 30.0
    assert parse_retry_after(later, now + 60) == 0.0
    assert parse_retry_after("-5", now) == 0.0
    for unreadable in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(unreadable, now) is None
