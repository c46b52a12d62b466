"""When to try a vendor call again, and how long to wait first.

Exponential backoff with full jitter (a uniform draw in ``[0, min(max_delay,
base * 2**attempt)]``) spreads retries of many clients apart. The vendor's
``Retry-After`` is a floor: waiting less only earns another 429.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from enum import StrEnum

from vendor_gateway.model import TRANSIENT_FAILURES, Failure, Outcome, VendorRequest

RETRYABLE_STATUSES = frozenset({408, 429})


class Verdict(StrEnum):
    """What to do after an attempt."""

    DONE = "done"
    RETRY = "retry"
    GIVE_UP = "give_up"


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict, the wait before the next attempt when retrying, and why."""

    verdict: Verdict
    delay: float = 0.0
    reason: str = ""


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date).

    ``now`` is the current Unix time, used for the date form. Decimal seconds are
    accepted (the vendor simulator sends them when it runs time-scaled). Returns
    ``None`` for a missing or unreadable value, never a negative wait.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    return max(0.0, seconds) if math.isfinite(seconds) else None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry limits of one vendor. ``attempt`` counts from 0 (the first try)."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 60.0

    def is_retryable(self, request: VendorRequest, outcome: Outcome) -> bool:
        """Whether trying again can help and cannot cause a second side effect.

        Connection errors, timeouts, resets, 408, 429 and 5xx can pass. A call that
        may have reached the vendor is repeated only when repeating is safe (an
        idempotent method or an idempotency key); one that never left
        (``Failure.CONNECT``) always may be. Other statuses, and answers the gateway
        refused (a redirect away, a body too large or malformed), are terminal.
        """
        if outcome.failure is Failure.CONNECT:
            return True
        transient = outcome.failure in TRANSIENT_FAILURES or (
            outcome.status is not None
            and (outcome.status in RETRYABLE_STATUSES or outcome.status >= 500)
        )
        return transient and request.safe_to_repeat

    def backoff(self, attempt: int, draw: float) -> float:
        """Full-jitter delay after attempt number ``attempt``; ``draw`` is uniform in [0, 1)."""
        return draw * min(self.max_delay, self.base_delay * 2.0**attempt)

    def decide(
        self, request: VendorRequest, outcome: Outcome, attempt: int, now: float, draw: float
    ) -> Decision:
        """What to do after attempt ``attempt`` produced ``outcome`` at Unix time ``now``."""
        if outcome.succeeded:
            return Decision(Verdict.DONE)
        if not self.is_retryable(request, outcome):
            return Decision(Verdict.GIVE_UP, reason="not retryable")
        if attempt + 1 >= self.max_attempts:
            return Decision(Verdict.GIVE_UP, reason="attempts exhausted")
        delay = self.backoff(attempt, draw)
        floor = parse_retry_after(outcome.retry_after, now)
        if floor is not None:
            delay = max(delay, floor)
        if request.deadline is not None and now + delay >= request.deadline:
            return Decision(Verdict.GIVE_UP, reason="deadline")
        return Decision(Verdict.RETRY, delay=delay)
