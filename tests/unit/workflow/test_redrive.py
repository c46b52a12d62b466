"""Redrive: restart a failed execution at the failed top-level state, keeping its id."""

from __future__ import annotations

from typing import Any

import pytest

from orderloom.workflow.core import advance
from orderloom.workflow.errors import RedriveRefused
from orderloom.workflow.local import LocalRunner, run_local
from orderloom.workflow.messages import RedriveExecution, ScheduleTask, StartExecution

DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Result": "prepared",
            "ResultPath": "$.prepared",
            "Next": "Charge",
        },
        "Charge": {"Type": "Task", "Resource": "service:billing.capture", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


class Declined(Exception):
    error = "Payment.Declined"


def capture(request: dict[str, Any]) -> Any:
    if request["amount"] > 100:
        raise Declined(f"amount {request['amount']} over the limit")
    return {"captured": request["amount"]}


def test_failed_execution_redriven_with_edited_input_completes() -> None:
    first = run_local(
        DEFINITION, {"amount": 500}, {"service:billing.capture": capture}, execution_id="order-7"
    )
    assert (first.status, first.error) == ("FAILED", "Payment.Declined")
    runner = LocalRunner({"service:billing.capture": capture}, now=10_000)
    runner.state = first.state
    edited = {"amount": 50, "prepared": "prepared"}
    runner.feed(RedriveExecution("ops@example.com", "customer lowered the amount", 10_000, edited))
    second = runner.result()
    assert (second.status, second.output) == ("SUCCEEDED", {"captured": 50})
    assert second.state.execution_id == "order-7" and second.state.redrive_count == 1
    history = first.history + runner.history
    assert [e.id for e in history] == list(range(1, len(history) + 1))
    redriven = next(e for e in history if e.type == "ExecutionRedriven")
    assert redriven.details["actor"] == "ops@example.com"
    assert redriven.details["state"] == "Charge" and redriven.details["input"] == edited
    charges = [e.details["input"] for e in history if e.type == "TaskScheduled"]
    assert charges == [{"amount": 500, "prepared": "prepared"}, edited]
    assert [e.type for e in history].count("PassStateEntered") == 1  # Prepare did not run again


def test_redrive_without_edit_uses_the_failed_state_input() -> None:
    first = run_local(DEFINITION, {"amount": 500}, {"service:billing.capture": capture})
    after = advance(first.state, RedriveExecution("ops", "retry as is", 1))
    assert after.state is not None and after.state.redrive_count == 1
    scheduled = [c for c in after.commands if isinstance(c, ScheduleTask)]
    assert [c.input for c in scheduled] == [{"amount": 500, "prepared": "prepared"}]


def test_redrive_of_running_or_succeeded_execution_is_refused() -> None:
    done = run_local(DEFINITION, {"amount": 5}, {"service:billing.capture": capture})
    with pytest.raises(RedriveRefused, match="SUCCEEDED"):
        advance(done.state, RedriveExecution("ops", "why not", 1))
    running = advance(None, StartExecution("e", "w", DEFINITION, {"amount": 5}, 0)).state
    with pytest.raises(RedriveRefused, match="RUNNING"):
        advance(running, RedriveExecution("ops", "why not", 1))
    with pytest.raises(RedriveRefused):
        advance(None, RedriveExecution("ops", "nothing there", 1))
