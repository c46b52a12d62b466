"""The runner's timer queue: what fell due and is still wanted fires once, asked about
only the executions whose timers fell due."""

from __future__ import annotations

from orderloom.workflow.timers import TimerQueue


def test_only_timers_due_and_still_wanted_fire_and_only_their_executions_are_asked() -> None:
    queue = TimerQueue()
    timers = {"e1": {"t1": 100, "t2": 300}, "e2": {"t3": 150}, "e3": {"t4": 200}}
    for execution_id, held in timers.items():
        queue.track(execution_id, held)
    del timers["e2"]["t3"]  # consumed or cancelled since it was queued
    asked: list[str] = []

    def timers_of(execution_id: str) -> dict[str, int]:
        asked.append(execution_id)
        return timers.get(execution_id, {})

    assert queue.due(200, timers_of) == [(100, "e1", "t1"), (200, "e3", "t4")]
    assert sorted(asked) == ["e1", "e2", "e3"]
    asked.clear()
    assert queue.due(250, timers_of) == []
    assert asked == []
    assert queue.due(300, timers_of) == [(300, "e1", "t2")]


def test_timers_of_an_aborted_firing_fire_again_and_a_committed_one_does_not() -> None:
    queue = TimerQueue()
    queue.track("e1", {"t1": 100})
    wanted = {"e1": {"t1": 100}}
    assert queue.due(100, lambda e: wanted.get(e, {})) == [(100, "e1", "t1")]
    queue.aborted()
    assert queue.due(100, lambda e: wanted.get(e, {})) == [(100, "e1", "t1")]
    queue.committed()
    assert queue.due(1_000, lambda e: wanted.get(e, {})) == []


def test_keep_only_drops_the_timers_of_executions_no_longer_owned() -> None:
    queue = TimerQueue()
    queue.track("e1", {"t1": 100})
    queue.track("e2", {"t2": 100})
    queue.keep_only({"e2"})
    assert queue.due(100, lambda e: {"t1": 100, "t2": 100}) == [(100, "e2", "t2")]
