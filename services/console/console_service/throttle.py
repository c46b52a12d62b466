"""How failed logins limit further attempts: pure, the time passed in.

Each subject (a user name, a client address) counts its failures in a window that starts at
its first failure. When the count reaches the limit, the subject is locked until the lockout
ends; a lockout that ends starts a fresh window, and each lockout that follows another
within a day lasts twice as long (at most a day), so a slow guesser gains little by waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

_LONGEST = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    limit: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Tally:
    """One subject's failures since ``window_start``, and the lockout it is under, if any."""

    failures: int
    window_start: datetime
    locked_until: datetime | None = None
    lockouts: int = 0


def locked_for(tally: Tally | None, now: datetime) -> timedelta | None:
    """How much longer the subject is locked out; ``None`` when it may try."""
    if tally is None or tally.locked_until is None or tally.locked_until <= now:
        return None
    return tally.locked_until - now


def after_failure(tally: Tally | None, now: datetime, policy: Policy) -> Tally:
    """The tally once one more failure is counted at ``now``."""
    if tally is None:
        tally = Tally(0, now)
    recent = tally.locked_until is not None and now - tally.locked_until < _LONGEST
    if tally.locked_until is not None and tally.locked_until <= now:
        tally = Tally(0, now, None, tally.lockouts if recent else 0)
    elif now - tally.window_start > policy.window:
        tally = replace(tally, failures=0, window_start=now)
    failures = tally.failures + 1
    if failures < policy.limit:
        return replace(tally, failures=failures)
    lasts = min(policy.lockout * 2**tally.lockouts, _LONGEST)
    return Tally(failures, tally.window_start, now + lasts, tally.lockouts + 1)
