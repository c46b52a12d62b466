"""Inputs the runner cannot apply: dead-lettered with the reason, their executions failed,
and the executions behind them go on."""

from __future__ import annotations

import base64
import json
import os
import threading

from confluent_kafka.admin import AdminClient

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.host import build
from tests.integration.conftest import TopicMaker
from tests.integration.poison import (
    UNDECODABLE_REASONS,
    dead_letters,
    produce_raw,
    reasons,
    undecodable,
)
from tests.integration.programs.run_workflows import HANDLERS
from tests.integration.workflow.support import (
    finished,
    read_histories,
    start_all,
    stock_service,
    types,
    workflow_topics,
)


def _after_a_wait(task: dict[str, object]) -> dict[str, object]:
    """A definition that waits (so the execution exists), then runs ``task``."""
    return {
        "StartAt": "Pause",
        "States": {
            "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Ask"},
            "Ask": {"Type": "Task", "Resource": "service:stock.reserve", "End": True, **task},
        },
    }


OVERFLOWING = _after_a_wait({"TimeoutSecondsPath": "$.timeout"})
"""Its task's deadline in milliseconds would not fit the request's Avro long: the core
refuses the timeout before anything is encoded."""
BLOATED = _after_a_wait({"Parameters": {"a.$": "$.blob", "b.$": "$.blob", "c.$": "$.blob"}})
"""Its task's request is three times the blob: over ``max.message.bytes`` of the topic."""


def test_undecodable_inputs_are_dead_lettered_and_the_next_execution_runs(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    inputs = topic_name(settings.kafka, "workflow.inputs")
    spoiled = wire.start("spoiled", "TestFlow", {"StartAt": "x"}, {}, correlation_id=None)
    produce_raw(settings, inputs, undecodable(codec, inputs, spoiled))
    with stock_service(settings, codec):
        start_all(settings, codec, {"after": {"quantity": 1}})
        histories = read_histories(settings, codec, finished(1), timeout_s=60)

    assert types(histories["after"])[-1] == "ExecutionSucceeded"
    assert "spoiled" not in histories
    assert reasons(dead_letters(settings, inputs, 3)) == UNDECODABLE_REASONS


def test_an_input_whose_effects_cannot_be_written_fails_its_execution_alone(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    blob = base64.b64encode(os.urandom(400_000)).decode()
    with stock_service(settings, codec) as answered:
        start_all(settings, codec, {"overflowing": {"timeout": 10**17}}, definition=OVERFLOWING)
        start_all(settings, codec, {"bloated": {"blob": blob}}, definition=BLOATED)
        start_all(settings, codec, {"after": {"quantity": 1}})
        histories = read_histories(settings, codec, finished(3), timeout_s=90)

    assert types(histories["after"])[-1] == "ExecutionSucceeded"
    assert types(histories["overflowing"])[-1] == "ExecutionFailed"
    overflowing = json.loads(histories["overflowing"][-1]["details"])
    assert overflowing["error"] == "States.Runtime"
    assert "TimeoutSecondsPath" in overflowing["cause"]
    assert types(histories["bloated"])[-1] == "ExecutionFailed"
    bloated = json.loads(histories["bloated"][-1]["details"])
    assert bloated["error"] == "Orderloom.PoisonInput"
    assert bloated["cause"].startswith("too-large") and bloated["state"] == "Pause"
    assert len(answered) == 1
    letters = dead_letters(settings, topic_name(settings.kafka, "workflow.inputs"), 1)
    assert reasons(letters) == ["too-large"]
    assert {letter["ce_type"] for letter in letters} == {"orderloom.workflow.TimerFired"}


def test_snapshots_that_cannot_be_read_do_not_stop_the_runner_taking_its_partitions(
    settings: OrderloomSettings, codec: EventCodec, admin: AdminClient, make_topic: TopicMaker
) -> None:
    snapshots = topic_name(settings.kafka, "workflow.snapshots")
    with workflow_topics(settings, admin, make_topic):
        garbled = wire.start("garbled", "TestFlow", {"StartAt": "x"}, {})
        value, headers = codec.encode(
            Envelope.new(
                wire.NS + "ExecutionSnapshot",
                "tests",
                "garbled",
                {"execution_id": "garbled", "status": "RUNNING", "state": b"\x00not a state"},
            ),
            snapshots,
        )
        produce_raw(
            settings,
            snapshots,
            [
                *undecodable(codec, snapshots, garbled),
                (b"garbled", value, headers),
                (b"\xff\xfe", None, []),
            ],
        )
        processor, _ = build(settings, HANDLERS)
        stop = threading.Event()
        thread = threading.Thread(target=processor.run, args=(stop,), daemon=True)
        thread.start()
        try:
            with stock_service(settings, codec):
                start_all(settings, codec, {"after": {"quantity": 1}})
                histories = read_histories(settings, codec, finished(1), timeout_s=60)
            assert thread.is_alive()
        finally:
            stop.set()
            thread.join(30)

    assert types(histories["after"])[-1] == "ExecutionSucceeded"
