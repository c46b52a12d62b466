"""The supervisor's decisions: exponential backoff with a cap, reset by a good run, and a
limit to quick exits in a row after which the run stops."""

from __future__ import annotations

from orderloom.system.restarts import Backoff, Decision, GiveUp, Record, Restart, decide

POLICY = Backoff(first_s=1.0, factor=2.0, cap_s=5.0, healthy_after_s=60.0, give_up_after=5)


def _exits(ran: list[float], record: Record = Record()) -> list[Decision]:
    decisions: list[Decision] = []
    for seconds in ran:
        record, decision = decide(POLICY, record, seconds)
        decisions.append(decision)
    return decisions


def test_quick_exits_wait_twice_as_long_each_time_up_to_the_cap() -> None:
    assert _exits([1.0, 1.0, 1.0, 1.0]) == [Restart(1.0), Restart(2.0), Restart(4.0), Restart(5.0)]


def test_a_good_run_forgets_the_failures_before_it() -> None:
    assert _exits([1.0, 1.0, 1.0, 120.0, 1.0]) == [
        Restart(1.0),
        Restart(2.0),
        Restart(4.0),
        Restart(1.0),
        Restart(2.0),
    ]


def test_a_child_that_keeps_exiting_at_start_up_stops_the_run_after_the_limit() -> None:
    decisions = _exits([0.5] * 6)
    assert all(isinstance(d, Restart) for d in decisions[:5])
    assert decisions[5] == GiveUp(6)


def test_restarts_are_counted_and_a_give_up_is_not_one() -> None:
    record = Record()
    for seconds in [0.5] * 6:
        record, _ = decide(POLICY, record, seconds)
    assert record == Record(restarts=5, failures=6)


def test_a_child_that_always_runs_long_is_always_restarted_at_once() -> None:
    assert _exits([600.0] * 10) == [Restart(1.0)] * 10
