"""Properties of the core over generated workflows and generated task outcomes."""

from __future__ import annotations

import heapq
import itertools
import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.workflow.core import advance
from orderloom.workflow.execution import ExecutionState
from orderloom.workflow.messages import (
    CancelTimer,
    HistoryEvent,
    Input,
    ScheduleTask,
    StartExecution,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
)

retriers = st.fixed_dictionaries(
    {
        "ErrorEquals": st.sampled_from([["E1"], ["E1", "E2"], ["States.ALL"]]),
        "MaxAttempts": st.integers(0, 4),
        "IntervalSeconds": st.integers(1, 5),
        "BackoffRate": st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    },
    optional={
        "MaxDelaySeconds": st.integers(1, 20),
        "JitterStrategy": st.sampled_from(["FULL", "NONE"]),
    },
)


def _task(name: str, retry: list[dict[str, Any]], catch_to: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"local:{name}",
        "Retry": retry,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": catch_to}],
    }


@st.composite
def workflows(draw: st.DrawFn) -> dict[str, Any]:
    """A chain of Pass/Task/Wait/Choice/Map/Parallel states whose every failure is caught."""
    kinds = draw(
        st.lists(
            st.sampled_from(["pass", "task", "wait", "choice", "map", "parallel"]),
            min_size=1,
            max_size=6,
        )
    )
    states: dict[str, Any] = {}
    for i, kind in enumerate(kinds):
        name, after = f"S{i}", f"S{i + 1}" if i + 1 < len(kinds) else "Done"
        if kind == "pass":
            states[name] = {"Type": "Pass", "Result": i, "ResultPath": f"$.p{i}", "Next": after}
        elif kind == "task":
            retry: list[dict[str, Any]] = draw(st.lists(retriers, max_size=2))
            retry = [r for r in retry if "States.ALL" not in r["ErrorEquals"]] + [
                r for r in retry if "States.ALL" in r["ErrorEquals"]
            ][:1]
            states[name] = {**_task(name, retry, after), "ResultPath": f"$.t{i}", "Next": after}
        elif kind == "wait":
            states[name] = {"Type": "Wait", "Seconds": draw(st.integers(0, 7200)), "Next": after}
        elif kind == "choice":
            states[name] = {
                "Type": "Choice",
                "Default": after,
                "Choices": [{"Variable": "$.flag", "BooleanEquals": True, "Next": after}],
            }
        elif kind == "map":
            inner = {
                "StartAt": "Inner",
                "States": {
                    "Inner": {
                        **_task("inner", draw(st.lists(retriers, max_size=1)), "Caught"),
                        "End": True,
                    },
                    "Caught": {"Type": "Pass", "End": True},
                },
            }
            states[name] = {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ResultPath": f"$.m{i}",
                "MaxConcurrency": draw(st.integers(0, 3)),
                "ItemProcessor": inner,
                "Next": after,
            }
        else:
            branch = {
                "StartAt": "B",
                "States": {
                    "B": {**_task("branch", [], "C"), "End": True},
                    "C": {"Type": "Pass", "End": True},
                },
            }
            states[name] = {
                "Type": "Parallel",
                "Branches": [branch, branch],
                "ResultPath": f"$.par{i}",
                "Next": after,
            }
    states["Done"] = {"Type": "Succeed"}
    return {"StartAt": "S0", "States": states}


outcomes = st.lists(st.sampled_from(["ok", "E1", "E2"]), max_size=30)


def _drive(
    definition: dict[str, Any], script: list[str]
) -> tuple[list[HistoryEvent], list[Any], ExecutionState]:
    """Serve tasks from `script` (then "ok"), fire timers in order; feed every input twice."""
    start = StartExecution(
        "exec", "wf", definition, {"flag": True, "items": [{"i": 1}, {"i": 2}, {"i": 3}]}, 0
    )
    state, history, commands = advance(None, start)
    log, sent = list(history), list(commands)
    tasks: list[ScheduleTask] = []
    timers: list[tuple[int, int, str]] = []
    cancelled: set[str] = set()
    outcome = iter(script)
    now = 0
    while True:
        for command in commands:
            if isinstance(command, ScheduleTask):
                tasks.append(command)
            elif isinstance(command, StartTimer):
                heapq.heappush(timers, (command.fire_at, len(sent), command.timer_id))
            elif isinstance(command, CancelTimer):
                cancelled.add(command.timer_id)
        event: Input
        if tasks:
            task = tasks.pop(0)
            result = next(outcome, "ok")
            event = (
                TaskSucceeded(task.task_token, {"ok": task.attempt}, now)
                if result == "ok"
                else TaskFailed(task.task_token, result, f"{result} at {now}", now)
            )
        elif timers:
            fire_at, _, timer_id = heapq.heappop(timers)
            now = max(now, fire_at)
            event = TimerFired(timer_id, now)
        else:
            break
        assert state is not None
        state, history, commands = advance(state, event)
        duplicate = advance(state, event)
        assert duplicate.state is state and duplicate.history == [] and duplicate.commands == []
        log.extend(history)
        sent.extend(commands)
    assert state is not None
    return log, sent, state


@settings(max_examples=150, deadline=None)
@given(workflows(), outcomes)
def test_successful_history_is_well_formed(definition: dict[str, Any], script: list[str]) -> None:
    history, _, state = _drive(definition, script)
    assert state.status == "SUCCEEDED"
    assert history[0].type == "ExecutionStarted" and history[-1].type == "ExecutionSucceeded"
    assert [e.id for e in history] == list(range(1, len(history) + 1))
    assert all(e.previous_event_id == e.id - 1 for e in history)
    assert all(a.timestamp <= b.timestamp for a, b in itertools.pairwise(history))
    entered = Counter(
        (e.type.removesuffix("Entered"), e.details["name"])
        for e in history
        if e.type.endswith("StateEntered")
    )
    exited = Counter(
        (e.type.removesuffix("Exited"), e.details["name"])
        for e in history
        if e.type.endswith("StateExited")
    )
    assert entered == exited


@settings(max_examples=150, deadline=None)
@given(workflows(), outcomes)
def test_retries_stay_within_max_attempts_and_max_delay(
    definition: dict[str, Any], script: list[str]
) -> None:
    history, _, _ = _drive(definition, script)
    tasks = {name: s for name, s in definition["States"].items() if s["Type"] == "Task"}
    last_failure: dict[str, int] = {}
    for event in history:
        name = str(event.details.get("name"))
        if name not in tasks:
            continue
        retry = tasks[name]["Retry"]
        if event.type == "TaskStateEntered":
            last_failure.pop(name, None)
        elif event.type == "TaskScheduled":
            assert event.details["attempt"] <= 1 + sum(r["MaxAttempts"] for r in retry)
            if name in last_failure:
                waited = event.timestamp - last_failure[name]
                caps = [r.get("MaxDelaySeconds") for r in retry]
                if all(cap is not None for cap in caps):
                    assert waited <= max(c for c in caps if c is not None) * 1000
        elif event.type == "TaskFailed":
            last_failure[name] = event.timestamp


@settings(max_examples=75, deadline=None)
@given(workflows(), outcomes)
def test_replay_is_byte_identical(definition: dict[str, Any], script: list[str]) -> None:
    first = _drive(definition, script)
    second = _drive(definition, script)

    def dump(run: tuple[list[HistoryEvent], list[Any], ExecutionState]) -> str:
        history, commands, state = run
        return json.dumps(
            [[e.to_dict() for e in history], [c.to_dict() for c in commands], state.to_dict()],
            sort_keys=True,
        )

    assert dump(first) == dump(second)
