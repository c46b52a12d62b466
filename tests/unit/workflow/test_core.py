"""The pure core: stale inputs, timers, heartbeats, execution timeout, snapshots."""

from __future__ import annotations

import json
import zlib
from typing import Any

from orderloom.workflow.core import advance
from orderloom.workflow.execution import ExecutionState
from orderloom.workflow.messages import (
    CancelTimer,
    Message,
    ScheduleTask,
    StartExecution,
    StartTimer,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from orderloom.workflow.wire import Entry

TASK = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "vendor:erp.create_order",
            "HeartbeatSeconds": 10,
            "TimeoutSeconds": 60,
            "End": True,
        }
    },
}


def _start(definition: dict[str, Any], data: Any = None) -> tuple[ExecutionState, list[Any]]:
    state, _, commands = advance(None, StartExecution("exec-1", "wf", definition, data or {}, 0))
    assert state is not None
    return state, commands


def test_task_success_cancels_its_timers() -> None:
    state, commands = _start(TASK)
    task = next(c for c in commands if isinstance(c, ScheduleTask))
    assert (task.resource, task.timeout_at, task.heartbeat_at) == (
        "vendor:erp.create_order",
        60_000,
        10_000,
    )
    timers = {c.timer_id for c in commands if isinstance(c, StartTimer)}
    after, history, out = advance(state, TaskSucceeded(task.task_token, {"id": 1}, 500))
    assert after is not None and after.status == "SUCCEEDED" and after.output == {"id": 1}
    assert {c.timer_id for c in out if isinstance(c, CancelTimer)} == timers
    assert history[-1].type == "ExecutionSucceeded"


def test_duplicate_and_stale_inputs_change_nothing() -> None:
    state, commands = _start(TASK)
    task = next(c for c in commands if isinstance(c, ScheduleTask))
    before = json.dumps(state.to_dict(), sort_keys=True)
    done, _, _ = advance(state, TaskSucceeded(task.task_token, 1, 5))
    assert json.dumps(state.to_dict(), sort_keys=True) == before  # the input state is untouched
    for stale in (
        TaskSucceeded(task.task_token, 2, 6),
        TaskFailed(task.task_token, "E", "c", 6),
        TaskHeartbeat(task.task_token, 6),
        TimerFired("exec-1/1/99", 6),
        TaskSucceeded("other/1/2", 1, 6),
    ):
        again = advance(done, stale)
        assert again.state is done and again.history == [] and again.commands == []
    assert advance(done, StartExecution("exec-1", "wf", TASK, {}, 9)).state is done


def test_heartbeat_moves_the_deadline_and_its_absence_times_out() -> None:
    state, commands = _start(TASK)
    task = next(c for c in commands if isinstance(c, ScheduleTask))
    beat, _, out = advance(state, TaskHeartbeat(task.task_token, 8_000))
    assert beat is not None
    new_timer = next(c for c in out if isinstance(c, StartTimer))
    assert new_timer.fire_at == 18_000
    assert any(isinstance(c, CancelTimer) for c in out)
    failed, history, _ = advance(beat, TimerFired(new_timer.timer_id, 18_000))
    assert failed is not None and failed.error == "States.HeartbeatTimeout"
    assert [e.type for e in history][:1] == ["TaskTimedOut"]


def test_execution_timeout() -> None:
    definition = {
        "TimeoutSeconds": 5,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
    }
    state, commands = _start(definition)
    timers = sorted((c.fire_at, c.timer_id) for c in commands if isinstance(c, StartTimer))
    assert [t for t, _ in timers] == [5_000, 60_000]
    out, history, cancels = advance(state, TimerFired(timers[0][1], 5_000))
    assert out is not None and (out.status, out.error) == ("TIMED_OUT", "States.Timeout")
    assert history[-1].type == "ExecutionTimedOut"
    assert [c.timer_id for c in cancels if isinstance(c, CancelTimer)] == [timers[1][1]]
    assert advance(out, TimerFired(timers[1][1], 60_000)).history == []


def test_wait_until_timestamp_path() -> None:
    definition = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "TimestampPath": "$.at", "End": True}},
    }
    _, commands = _start(definition, {"at": "1970-01-01T00:01:00Z"})
    assert [c.fire_at for c in commands if isinstance(c, StartTimer)] == [60_000]


def test_everything_round_trips_through_json() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "End": True,
                "ItemProcessor": {
                    "StartAt": "T",
                    "States": {"T": {"Type": "Task", "Resource": "local:t", "End": True}},
                },
            }
        },
    }
    start = StartExecution("exec-1", "wf", definition, [1, 2, 3], 0)
    assert Message.from_dict(json.loads(json.dumps(start.to_dict()))) == start
    state, history, commands = advance(None, start)
    assert state is not None
    for item in [*history, *commands]:
        assert json.loads(json.dumps(item.to_dict())) == item.to_dict()
    restored = ExecutionState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.to_dict() == state.to_dict()
    token = next(c for c in commands if isinstance(c, ScheduleTask)).task_token
    original = advance(state, TaskSucceeded(token, "x", 1))
    replayed = advance(restored, TaskSucceeded(token, "x", 1))
    assert original.state is not None and replayed.state is not None
    assert original.state.to_dict() == replayed.state.to_dict()
    assert [e.to_dict() for e in original.history] == [e.to_dict() for e in replayed.history]


def test_map_failure_cancels_siblings_and_is_caught() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Next": "Done",
                "ItemsPath": "$.items",
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Done"}
                ],
                "ItemProcessor": {
                    "StartAt": "T",
                    "States": {
                        "T": {
                            "Type": "Task",
                            "Resource": "local:t",
                            "TimeoutSeconds": 9,
                            "End": True,
                        }
                    },
                },
            },
            "Done": {"Type": "Succeed"},
        },
    }
    state, commands = _start(definition, {"items": [1, 2]})
    tokens = [c.task_token for c in commands if isinstance(c, ScheduleTask)]
    out, history, cancels = advance(state, TaskFailed(tokens[0], "Broken", "first item", 1))
    assert out is not None and out.status == "SUCCEEDED"
    assert out.output == {"items": [1, 2], "failure": {"Error": "Broken", "Cause": "first item"}}
    assert len([c for c in cancels if isinstance(c, CancelTimer)]) == 2
    assert [e.type for e in history if e.type.startswith("Map")][:2] == [
        "MapIterationFailed",
        "MapStateFailed",
    ]
    assert advance(out, TaskSucceeded(tokens[1], 1, 2)).history == []


def test_a_snapshot_restores_the_entry_and_an_earlier_compressed_one_still_reads() -> None:
    state, _ = _start(TASK, {"n": 1})
    entry = Entry(state, "order-1", {"timer-1": 5_000})
    for blob in (entry.snapshot(), zlib.compress(entry.snapshot())):
        restored = Entry.restore(blob)
        assert restored.state.to_dict() == state.to_dict()
        assert (restored.correlation_id, restored.timers) == ("order-1", {"timer-1": 5_000})
