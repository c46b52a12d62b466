"""The workflow runner on the real broker: executions run, wait, fail, redrive, survive poison."""

from __future__ import annotations

import json
from typing import Any

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.settings import OrderloomSettings
from tests.integration.workflow.support import (
    finished,
    read_histories,
    start_all,
    stock_service,
    types,
)


def test_executions_run_through_local_wait_and_service_steps(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    with stock_service(settings, codec) as answered:
        start_all(settings, codec, {f"e{i}": {"quantity": i + 1} for i in range(20)})
        histories = read_histories(settings, codec, finished(20), timeout_s=60)

    assert len(histories) == 20 and len(answered) == 20
    for history in histories.values():
        assert types(history)[0] == "ExecutionStarted"
        assert types(history)[-1] == "ExecutionSucceeded"
        assert [e["event_id"] for e in history] == list(range(1, len(history) + 1))
        assert "WaitStateExited" in types(history) and "TaskScheduled" in types(history)
    output = json.loads(histories["e3"][-1]["details"])["output"]
    assert output == {
        "quantity": 4,
        "check": {"valid": True, "lines": 4},
        "price": {"total": 40},
        "reservation": {"reserved": True},
    }
    wait = [e for e in histories["e0"] if e["event_type"].startswith("WaitState")]
    assert wait[1]["timestamp_ms"] - wait[0]["timestamp_ms"] >= 1000


def test_failed_execution_is_redriven_with_edited_input(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    with stock_service(settings, codec):
        start_all(settings, codec, {"bad": {"quantity": 0}})
        failed = read_histories(settings, codec, finished(1), timeout_s=30)["bad"]
        assert types(failed)[-1] == "ExecutionFailed"
        assert json.loads(failed[-1]["details"])["error"] == "ValueError"

        _send(
            settings,
            codec,
            "bad",
            "orderloom.workflow.RedriveExecution",
            {
                "execution_id": "bad",
                "actor": "ops@brand",
                "reason": "quantity fixed",
                "edited_input": json.dumps({"quantity": 2}),
            },
        )
        history = read_histories(
            settings,
            codec,
            lambda h: types(h.get("bad", []))[-1:] == ["ExecutionSucceeded"],
            timeout_s=30,
        )["bad"]

    kinds = types(history)
    assert kinds.count("ExecutionStarted") == 1 and kinds.count("ExecutionFailed") == 1
    assert kinds.index("ExecutionFailed") < kinds.index("ExecutionRedriven") < len(kinds) - 1
    redriven = json.loads(history[kinds.index("ExecutionRedriven")]["details"])
    assert redriven["actor"] == "ops@brand" and redriven["input"] == {"quantity": 2}


def test_poison_input_fails_its_execution_and_the_rest_go_on(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    slow = {
        "StartAt": "Ask",
        "States": {"Ask": {"Type": "Task", "Resource": "service:stock.reserve", "End": True}},
    }
    start_all(settings, codec, {"victim": {}}, definition=slow)
    started = read_histories(
        settings, codec, lambda h: "TaskScheduled" in types(h.get("victim", [])), timeout_s=30
    )["victim"]
    token = json.loads(next(e for e in started if e["event_type"] == "TaskScheduled")["details"])
    _send(
        settings,
        codec,
        "victim",
        "orderloom.workflow.TaskSucceeded",
        {"execution_id": "victim", "task_token": token["task_token"], "output": "{not json"},
    )
    with stock_service(settings, codec):
        start_all(settings, codec, {"bystander": {"quantity": 1}})
        histories = read_histories(settings, codec, finished(2), timeout_s=60)

    assert types(histories["bystander"])[-1] == "ExecutionSucceeded"
    assert types(histories["victim"])[-1] == "ExecutionFailed"
    assert json.loads(histories["victim"][-1]["details"])["error"] == "Orderloom.PoisonInput"


def _send(
    settings: OrderloomSettings, codec: EventCodec, key: str, type: str, data: dict[str, Any]
) -> None:
    producer = EventProducer(settings.kafka, codec)
    producer.publish(
        topic_name(settings.kafka, "workflow.inputs"), Envelope.new(type, "tests", key, data)
    )
    producer.flush()


def test_a_map_over_ten_thousand_items_completes(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    big_map = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 40,
                "ItemProcessor": {
                    "StartAt": "Price",
                    "States": {"Price": {"Type": "Task", "Resource": "local:price", "End": True}},
                },
                "ResultSelector": {"count.$": "States.ArrayLength($)"},
                "End": True,
            }
        },
    }
    items = [{"quantity": 1 + i % 5} for i in range(10_000)]
    start_all(settings, codec, {"big": {"items": items}}, definition=big_map)

    history = read_histories(settings, codec, finished(1), timeout_s=240)["big"]

    assert types(history)[-1] == "ExecutionSucceeded"
    assert json.loads(history[-1]["details"])["output"] == {"count": 10_000}
    assert types(history).count("MapIterationSucceeded") == 10_000
    assert [e["event_id"] for e in history] == list(range(1, len(history) + 1))


def test_a_start_that_cannot_start_is_recorded_as_failed(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    start_all(settings, codec, {"broken": {"n": 1}}, definition=broken)
    _send(
        settings,
        codec,
        "garbled",
        "orderloom.workflow.StartExecution",
        {"execution_id": "garbled", "workflow": "w", "definition": "{", "input": "{}"},
    )

    histories = read_histories(settings, codec, finished(2), timeout_s=30)

    for execution_id in ("broken", "garbled"):
        assert types(histories[execution_id]) == ["ExecutionStarted", "ExecutionFailed"]
        failure = json.loads(histories[execution_id][-1]["details"])
        assert failure["error"] == "Orderloom.StartRejected"
    assert "Nowhere" in json.loads(histories["broken"][-1]["details"])["cause"]
    assert json.loads(histories["broken"][0]["details"])["input"] == {"n": 1}
