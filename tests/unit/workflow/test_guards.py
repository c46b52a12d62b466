"""What stops one execution from harming the rest: a loop guard, and failing from outside."""

from __future__ import annotations

from orderloom.workflow.core import MAX_TRANSITIONS, advance, fail_execution
from orderloom.workflow.messages import (
    RedriveExecution,
    StartExecution,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)

LOOP = {
    "StartAt": "Spin",
    "States": {
        "Spin": {"Type": "Pass", "Next": "Again"},
        "Again": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Spin"}],
            "Default": "Spin",
        },
    },
}
TASK = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "local:x", "End": True}}}


def test_a_definition_that_never_waits_fails_instead_of_spinning_forever() -> None:
    state, history, _ = advance(None, StartExecution("e", "wf", LOOP, {}, 0))

    assert state is not None and state.status == "FAILED"
    assert history[-1].type == "ExecutionFailed"
    assert history[-1].details["error"] == "States.Runtime"
    assert str(MAX_TRANSITIONS) in history[-1].details["cause"]


def test_fail_execution_records_a_redrivable_failure() -> None:
    running, _, _ = advance(None, StartExecution("e", "wf", TASK, {"n": 1}, 0))
    assert running is not None

    failed, history, _ = fail_execution(running, "Orderloom.PoisonInput", "bad bytes", 5)

    assert failed is not None and (failed.status, failed.error) == (
        "FAILED",
        "Orderloom.PoisonInput",
    )
    assert [h.type for h in history] == ["ExecutionFailed"]
    assert history[0].details == {
        "error": "Orderloom.PoisonInput",
        "cause": "bad bytes",
        "state": "Ask",
    }
    redriven, again, commands = advance(failed, RedriveExecution("ops", "fixed", 9))
    assert redriven is not None and redriven.status == "RUNNING"
    assert again[0].type == "ExecutionRedriven" and commands[0].resource == "local:x"  # type: ignore[union-attr]


def test_fail_execution_leaves_a_finished_execution_alone() -> None:
    done, _, _ = advance(
        None,
        StartExecution(
            "e", "wf", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {}, 0
        ),
    )
    assert done is not None and done.status == "SUCCEEDED"
    assert fail_execution(done, "X", "y", 1) == (done, [], [])


def test_inputs_addressed_to_tokens_and_timers_of_any_shape_are_ignored() -> None:
    running, _, _ = advance(None, StartExecution("e", "wf", TASK, {}, 0))
    assert running is not None
    for middle in ("²", "9" * 5000, "", "-1", "1" * 19, "٣"):
        for event in (
            TaskSucceeded(f"e/{middle}/1", {}, 1),
            TaskHeartbeat(f"e/{middle}/1", 1),
            TimerFired(f"e/{middle}/1", 1),
        ):
            assert advance(running, event) == (running, [], [])
