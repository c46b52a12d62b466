"""run_local and `orderloom workflow run-local`: virtual clock, exit codes, output channels."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orderloom.cli.workflow import app
from orderloom.workflow.handlers import NO_HANDLER
from orderloom.workflow.local import run_local

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "workflows"
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["run-local", *args])
    return result.exit_code, result.stdout, result.stderr


def test_example_order_succeeds_with_history_on_stderr() -> None:
    code, out, err = _invoke(
        str(EXAMPLES / "order_fulfillment.json"),
        "--input",
        str(EXAMPLES / "order_input.json"),
        "--handlers",
        str(EXAMPLES / "order_fulfillment_handlers.py"),
        "--history",
    )
    assert code == 0, err
    assert json.loads(out) == {"captured": 42.5, "order_id": "o-1001"}
    events = [json.loads(line) for line in err.splitlines()]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert [e["details"]["attempt"] for e in events if e["type"] == "TaskScheduled"] == [1, 2, 1]


def test_failure_prints_error_and_exits_1(tmp_path: Path) -> None:
    order = {"order": {"id": "o-2", "total": 5000, "lines": [{"sku": "A", "quantity": 1}]}}
    (tmp_path / "in.json").write_text(json.dumps(order))
    code, out, _ = _invoke(
        str(EXAMPLES / "order_fulfillment.json"),
        "--input",
        str(tmp_path / "in.json"),
        "--handlers",
        str(EXAMPLES / "order_fulfillment_handlers.py"),
    )
    assert code == 1
    assert json.loads(out) == {"error": "Payment.Declined", "cause": "card declined for 5000"}


def test_missing_handler_fails_with_documented_error() -> None:
    code, out, _ = _invoke(
        str(EXAMPLES / "inventory_sync.json"), "--input", str(EXAMPLES / "inventory_input.json")
    )
    assert code == 1 and json.loads(out)["error"] == NO_HANDLER


def test_invalid_inputs_exit_2_naming_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"StartAt": "Reserve", "States": {"Reserve": {"Type": "Pass", "Next": "Nope"}}})
    )
    code, out, err = _invoke(str(bad))
    assert (code, out) == (2, "")
    assert 'state "Reserve": field "Next": no state named "Nope"' in err
    (tmp_path / "broken.json").write_text("{not json")
    code, _, err = _invoke(
        str(EXAMPLES / "inventory_sync.json"), "--input", str(tmp_path / "broken.json")
    )
    assert code == 2 and "not valid JSON" in err
    code, _, err = _invoke(str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    (tmp_path / "h.py").write_text("X = 1\n")
    code, _, err = _invoke(
        str(EXAMPLES / "inventory_sync.json"), "--handlers", str(tmp_path / "h.py")
    )
    assert code == 2 and "HANDLERS" in err


def test_an_hour_of_waiting_is_virtual() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    result = run_local(definition, {"x": 1}, start_time=1_000)
    assert result.output == {"x": 1}
    assert result.history[-1].timestamp == 1_000 + 3_600_000


def test_map_over_10000_items_with_concurrency_40() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 40,
                "End": True,
                "ItemProcessor": {
                    "StartAt": "T",
                    "States": {"T": {"Type": "Task", "Resource": "local:double", "End": True}},
                },
            }
        },
    }

    def double(x: int) -> int:
        return x * 2

    result = run_local(definition, list(range(10_000)), {"local:double": double})
    assert result.status == "SUCCEEDED"
    assert result.output == [x * 2 for x in range(10_000)]
    running = most = 0
    for event in result.history:
        if event.type == "MapIterationStarted":
            running += 1
            most = max(most, running)
        elif event.type == "MapIterationSucceeded":
            running -= 1
    assert most == 40
