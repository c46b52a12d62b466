"""Circuit breaker: stop sending to a vendor that is down, and probe it now and then.

While a vendor refuses connections or answers 5xx, every attempt costs a slot, a
timeout and a retry. Failing fast for ``open_for`` seconds and then letting exactly
one probe through spares both sides.
"""

from __future__ import annotations

from enum import StrEnum

from vendor_gateway.model import TRANSIENT_FAILURES, Outcome


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Admission(StrEnum):
    """What ``admit`` lets an attempt do; a ``PROBE`` must be reported as one."""

    REFUSED = "refused"
    ALLOWED = "allowed"
    PROBE = "probe"


def is_vendor_fault(outcome: Outcome) -> bool:
    """Whether the outcome says the vendor is unwell (no answer, or 5xx).

    Any answer below 500, 4xx and 429 included, shows the vendor is up; so does an
    answer the gateway refused (a redirect away, a body too large or malformed).
    """
    if outcome.failure is not None:
        return outcome.failure in TRANSIENT_FAILURES
    return outcome.status is not None and outcome.status >= 500


class CircuitBreaker:
    """Breaker of one vendor; times are seconds on the caller's clock.

    Opens when ``failure_threshold`` faults happen within ``window`` seconds with
    no success in between. Every attempt ``admit`` let through must be reported with
    ``record`` (the probe with ``probe=True``), or a half-open breaker waits for its
    probe forever.
    """

    def __init__(self, failure_threshold: int = 5, window: float = 30.0, open_for: float = 30.0):
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.window = window
        self.open_for = open_for
        self._failures: list[float] = []
        self._opened_at: float | None = None
        self._probing = False

    def state(self, now: float) -> BreakerState:
        """Closed, open, or half-open once ``open_for`` has passed since opening."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probing or now - self._opened_at >= self.open_for:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def admit(self, now: float) -> Admission:
        """Whether an attempt may be sent now; in half-open, grants the single probe."""
        state = self.state(now)
        if state is BreakerState.CLOSED:
            return Admission.ALLOWED
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return Admission.PROBE
        return Admission.REFUSED

    def record(self, outcome: Outcome, now: float, *, probe: bool = False) -> None:
        """Report what an admitted attempt produced.

        Any answer that is not a fault closes the breaker, even one to an attempt
        sent before it opened. A fault of the probe opens it again for ``open_for``;
        a late fault of an attempt sent before it opened changes nothing.
        """
        if not is_vendor_fault(outcome):
            self._failures.clear()
            self._opened_at = None
            self._probing = False
            return
        if probe:
            self._opened_at = now
            self._probing = False
            return
        if self._opened_at is not None:
            return
        self._failures = [t for t in self._failures if now - t < self.window]
        self._failures.append(now)
        if len(self._failures) >= self.failure_threshold:
            self._opened_at = now
            self._failures.clear()
