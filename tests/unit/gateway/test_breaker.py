from __future__ import annotations

import pytest

from vendor_gateway.breaker import Admission, BreakerState, CircuitBreaker, is_vendor_fault
from vendor_gateway.model import Failure, Outcome

DOWN = Outcome(failure=Failure.CONNECT)
ERROR = Outcome(status=503)
OK = Outcome(status=200)


def opened(now: float = 0.0) -> CircuitBreaker:
    breaker = CircuitBreaker(failure_threshold=3, window=10.0, open_for=30.0)
    for _ in range(3):
        breaker.record(DOWN, now)
    return breaker


@pytest.mark.parametrize(
    ("outcome", "fault"),
    [
        (DOWN, True),
        (Outcome(failure=Failure.TIMEOUT), True),
        (Outcome(failure=Failure.DISCONNECT), True),
        (Outcome(failure=Failure.CROSS_ORIGIN_REDIRECT), False),
        (Outcome(failure=Failure.TOO_LARGE), False),
        (Outcome(failure=Failure.MALFORMED), False),
        (ERROR, True),
        (Outcome(status=429), False),
        (Outcome(status=404), False),
        (OK, False),
    ],
)
def test_what_counts_as_the_vendor_being_unwell(outcome: Outcome, fault: bool) -> None:
    assert is_vendor_fault(outcome) is fault


def test_opens_after_threshold_faults_within_the_window() -> None:
    breaker = opened()
    assert breaker.state(1.0) is BreakerState.OPEN
    assert breaker.admit(1.0) is Admission.REFUSED


def test_faults_spread_beyond_the_window_do_not_open_it() -> None:
    breaker = CircuitBreaker(failure_threshold=3, window=10.0)
    for now in (0.0, 6.0, 12.0, 18.0):
        breaker.record(ERROR, now)
    assert breaker.state(18.0) is BreakerState.CLOSED


def test_a_success_in_between_resets_the_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3, window=10.0)
    breaker.record(ERROR, 0.0)
    breaker.record(ERROR, 1.0)
    breaker.record(OK, 2.0)
    breaker.record(ERROR, 3.0)
    assert breaker.admit(3.0) is Admission.ALLOWED


def test_half_open_lets_exactly_one_probe_through() -> None:
    breaker = opened()
    assert breaker.state(30.0) is BreakerState.HALF_OPEN
    assert breaker.admit(30.0) is Admission.PROBE
    assert breaker.admit(30.5) is Admission.REFUSED
    assert breaker.state(30.5) is BreakerState.HALF_OPEN


def test_a_good_probe_closes_it() -> None:
    breaker = opened()
    breaker.admit(30.0)
    breaker.record(Outcome(status=429), 31.0, probe=True)
    assert breaker.admit(31.0) is Admission.ALLOWED


def test_a_failed_probe_opens_it_for_another_period() -> None:
    breaker = opened()
    breaker.admit(30.0)
    breaker.record(DOWN, 32.0, probe=True)
    assert breaker.admit(61.0) is Admission.REFUSED
    assert breaker.admit(62.0) is Admission.PROBE


def test_late_faults_of_earlier_attempts_change_nothing() -> None:
    breaker = opened()
    breaker.admit(30.0)
    breaker.record(ERROR, 30.5)
    assert breaker.admit(30.6) is Admission.REFUSED
    breaker.record(OK, 31.0, probe=True)
    assert breaker.state(31.0) is BreakerState.CLOSED
