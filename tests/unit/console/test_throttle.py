"""Failed logins against the throttle's policy: count, lock, unlock, lock longer, forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console_service.throttle import Policy, Tally, after_failure, locked_for

POLICY = Policy(limit=3, window=timedelta(minutes=15), lockout=timedelta(minutes=10))
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def failures(tally: Tally | None, *minutes: float) -> Tally | None:
    for m in minutes:
        tally = after_failure(tally, T0 + timedelta(minutes=m), POLICY)
    return tally


def test_the_limit_within_the_window_locks_for_the_lockout() -> None:
    two = failures(None, 0, 1)
    assert two is not None and locked_for(two, T0 + timedelta(minutes=1)) is None
    three = failures(two, 2)
    assert locked_for(three, T0 + timedelta(minutes=2)) == timedelta(minutes=10)
    assert locked_for(three, T0 + timedelta(minutes=11)) == timedelta(minutes=1)
    assert locked_for(three, T0 + timedelta(minutes=12)) is None


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    tally = failures(None, 0, 10, 20, 30, 40, 50)
    assert tally is not None and tally.locked_until is None and tally.failures < 3


def test_each_lockout_soon_after_another_lasts_twice_as_long_and_at_most_a_day() -> None:
    first = failures(None, 0, 0, 0)
    assert first is not None and first.locked_until == T0 + timedelta(minutes=10)
    second = failures(first, 11, 11, 11)
    assert second is not None and second.locked_until == T0 + timedelta(minutes=31)
    tally: Tally | None = second
    for _ in range(10):
        assert tally is not None and tally.locked_until is not None
        after = (tally.locked_until - T0).total_seconds() / 60 + 1
        tally = failures(tally, after, after, after)
    assert tally is not None and tally.locked_until is not None
    last = tally.locked_until - tally.window_start
    assert last == timedelta(days=1)


def test_a_quiet_day_after_a_lockout_starts_over() -> None:
    first = failures(None, 0, 0, 0)
    later = failures(first, 60 * 25, 60 * 25, 60 * 25)
    assert later is not None and later.lockouts == 1
    assert later.locked_until == T0 + timedelta(minutes=60 * 25 + 10)
