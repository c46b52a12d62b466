"""Retry timing and Catch examples from the ASL specification and the AWS developer guide.

Sources: "Errors" (doc_source/amazon-states-language-errors.md, published as
https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-errors.html) and
"Error handling" (concepts-error-handling.html), which restate https://states-language.net/spec.html.
"""

from __future__ import annotations

import itertools
from typing import Any

from orderloom.workflow.local import run_local


class Raised(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(f"failed with {error}")
        self.error = error


def _failing(*errors: str) -> Any:
    remaining = list(errors)

    def handler(_: Any) -> Any:
        if remaining:
            raise Raised(remaining.pop(0))
        return "done"

    return handler


def _scheduled_at(history: Any) -> list[int]:
    return [e.timestamp for e in history if e.type == "TaskScheduled"]


def test_retry_waits_3_4_5_6_75_10_125() -> None:
    # "Errors": a retrier with IntervalSeconds 3, MaxAttempts 4, BackoffRate 1.5 makes four
    # retry attempts after waits of 3, 4.5, 6.75 and 10.125 seconds
    definition = {
        "StartAt": "X",
        "States": {
            "X": {
                "Type": "Task",
                "Resource": "local:x",
                "End": True,
                "Retry": [
                    {
                        "ErrorEquals": ["States.Timeout"],
                        "IntervalSeconds": 3,
                        "MaxAttempts": 4,
                        "BackoffRate": 1.5,
                    }
                ],
            }
        },
    }
    handler = _failing(*["States.Timeout"] * 5)
    result = run_local(definition, {}, {"local:x": handler})
    times = _scheduled_at(result.history)
    assert [b - a for a, b in itertools.pairwise(times)] == [3000, 4500, 6750, 10125]
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


def test_complex_retry_scenario_goes_to_catch() -> None:
    # "Errors", Complex Retry Scenarios: ErrorA, ErrorB, ErrorC, ErrorB -> waits of 1 and 2 s
    # (first retrier), 5 s (second); the fourth error exceeds MaxAttempts 2 and goes to Z
    definition = {
        "StartAt": "X",
        "States": {
            "X": {
                "Type": "Task",
                "Resource": "local:x",
                "Next": "Y",
                "Retry": [
                    {
                        "ErrorEquals": ["ErrorA", "ErrorB"],
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 2,
                    },
                    {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5},
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
            },
            "Y": {"Type": "Succeed"},
            "Z": {"Type": "Pass", "Result": "caught", "End": True},
        },
    }
    handler = _failing("ErrorA", "ErrorB", "ErrorC", "ErrorB")
    result = run_local(definition, {}, {"local:x": handler})
    times = _scheduled_at(result.history)
    assert [b - a for a, b in itertools.pairwise(times)] == [1000, 2000, 5000]
    assert result.output == "caught"


def test_retry_everything_but_timeout() -> None:
    # "Errors": MaxAttempts 0 for States.Timeout, then States.ALL retries any other error
    retry = [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}]
    definition = {
        "StartAt": "X",
        "States": {"X": {"Type": "Task", "Resource": "local:x", "End": True, "Retry": retry}},
    }
    assert run_local(definition, {}, {"local:x": _failing("Oops", "Oops")}).output == "done"
    timed_out = run_local(definition, {}, {"local:x": _failing("States.Timeout")})
    assert (timed_out.status, len(_scheduled_at(timed_out.history))) == ("FAILED", 1)


def test_task_failed_matches_any_error_but_timeout() -> None:
    # "Error handling": States.TaskFailed matches any error a function outputs (Catch variant)
    definition = {
        "StartAt": "HelloWorld",
        "States": {
            "HelloWorld": {
                "Type": "Task",
                "Resource": "local:fail",
                "End": True,
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "fallback"}],
            },
            "fallback": {"Type": "Pass", "Result": "Hello, AWS Step Functions!", "End": True},
        },
    }
    result = run_local(definition, {}, {"local:fail": _failing("HandledError")})
    assert result.output == "Hello, AWS Step Functions!"
    timed_out = run_local(definition, {}, {"local:fail": _failing("States.Timeout")})
    assert timed_out.status == "FAILED"


def test_catch_without_resultpath_replaces_input_with_error_output() -> None:
    # "Errors", Fallback States: without ResultPath the Error Output overwrites the input
    definition = {
        "StartAt": "X",
        "States": {
            "X": {
                "Type": "Task",
                "Resource": "local:x",
                "End": True,
                "Catch": [
                    {
                        "ErrorEquals": ["java.lang.Exception"],
                        "ResultPath": "$.error-info",
                        "Next": "RecoveryState",
                    },
                    {"ErrorEquals": ["States.ALL"], "Next": "EndState"},
                ],
            },
            "RecoveryState": {"Type": "Pass", "End": True},
            "EndState": {"Type": "Pass", "End": True},
        },
    }
    recovered = run_local(definition, {"a": 1}, {"local:x": _failing("java.lang.Exception")})
    assert recovered.output == {
        "a": 1,
        "error-info": {"Error": "java.lang.Exception", "Cause": "failed with java.lang.Exception"},
    }
    ended = run_local(definition, {"a": 1}, {"local:x": _failing("Other")})
    assert ended.output == {"Error": "Other", "Cause": "failed with Other"}


def test_timeout_seconds_raises_states_timeout() -> None:
    # "Error handling", Handling a Timeout Using Catch: TimeoutSeconds 2, Catch States.Timeout
    from orderloom.workflow.core import advance
    from orderloom.workflow.messages import ScheduleTask, StartExecution, StartTimer, TimerFired

    definition = {
        "StartAt": "HelloWorld",
        "States": {
            "HelloWorld": {
                "Type": "Task",
                "Resource": "local:sleep10",
                "TimeoutSeconds": 2,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "fallback"}],
            },
            "fallback": {"Type": "Pass", "Result": "Hello, AWS Step Functions!", "End": True},
        },
    }
    state, _, commands = advance(None, StartExecution("e", "w", definition, {}, 0))
    schedule = next(c for c in commands if isinstance(c, ScheduleTask))
    timer = next(c for c in commands if isinstance(c, StartTimer))
    assert (schedule.timeout_at, timer.fire_at) == (2000, 2000)
    state, history, _ = advance(state, TimerFired(timer.timer_id, 2000))
    assert state is not None and state.output == "Hello, AWS Step Functions!"
    assert [e.details["error"] for e in history if e.type == "TaskTimedOut"] == ["States.Timeout"]
