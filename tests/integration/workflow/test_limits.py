"""Executions that break a limit fail in their history; the runner and their partition go on:
every partition with a breaking execution gets later executions, started after it, that succeed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient

from orderloom.events.codec import EventCodec
from orderloom.kafka.config import producer_config, topic_name
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.limits import Limits
from tests.integration.conftest import TopicMaker
from tests.integration.workflow.support import (
    FLOW,
    read_histories,
    runner_running,
    stock_service,
    types,
)

DOUBLING = {
    "StartAt": "S0",
    "States": {
        **{
            f"S{i}": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}, "Next": f"S{i + 1}"}
            for i in range(60)
        },
        "S60": {"Type": "Succeed"},
    },
}
RANGE = {
    "StartAt": "R",
    "States": {
        "R": {
            "Type": "Pass",
            "Parameters": {"r.$": "States.ArrayRange(0, 9223372036854775806, 1)"},
            "End": True,
        }
    },
}
DEADLINE = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "service:stock.reserve",
            "TimeoutSecondsPath": "$.timeout",
            "End": True,
        }
    },
}
MATCHES = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.s", "StringMatches": "*a*a*a*a*a*a*a*b", "Next": "Yes"}],
            "Default": "No",
        },
        "Yes": {"Type": "Succeed"},
        "No": {"Type": "Fail", "Error": "NoMatch", "Cause": "the text has no b"},
    },
}
MAP = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Succeed"},
    },
}
BREAKING: dict[str, tuple[dict[str, Any], Any, str, str]] = {
    "doubling": (DOUBLING, {"x": "y" * 1000}, "States.DataLimitExceeded", "output of"),
    "range": (RANGE, {}, "States.IntrinsicFailure", "at most 1000"),
    "deadline": (DEADLINE, {"timeout": 10**17}, "States.Runtime", "TimeoutSecondsPath"),
    "matches": (MATCHES, {"s": "a" * 10_000}, "NoMatch", "no b"),
    "map": (MAP, {"items": list(range(50))}, "States.DataLimitExceeded", "50 items"),
}


@pytest.fixture
def runner(
    settings: OrderloomSettings, admin: AdminClient, make_topic: TopicMaker
) -> Iterator[None]:
    with runner_running(settings, admin, make_topic, Limits(map_items=20)):
        yield


class _Starter:
    """Starts executions one after the other and learns the input partition of each."""

    def __init__(self, settings: OrderloomSettings, codec: EventCodec) -> None:
        self.topic = topic_name(settings.kafka, "workflow.inputs")
        self.codec = codec
        self.producer = Producer(producer_config(settings.kafka))
        self.partitions: dict[str, int] = {}

    def start(self, execution_id: str, definition: dict[str, Any], data: Any) -> int:
        def delivered(error: KafkaError | None, message: Message) -> None:
            assert error is None, error
            self.partitions[execution_id] = message.partition() or 0

        envelope = wire.start(execution_id, "Limits", definition, data)
        value, headers = self.codec.encode(envelope, self.topic)
        self.producer.produce(
            self.topic,
            value=value,
            key=execution_id.encode(),
            headers=headers,
            on_delivery=delivered,
        )
        self.producer.flush(30)
        return self.partitions[execution_id]


def _ended(history: list[dict[str, Any]]) -> bool:
    return bool(history) and history[-1]["event_type"] in ("ExecutionSucceeded", "ExecutionFailed")


def test_executions_breaking_limits_fail_visibly_and_the_next_ones_complete(
    settings: OrderloomSettings, codec: EventCodec, runner: None
) -> None:
    with stock_service(settings, codec):
        starter = _Starter(settings, codec)
        broken = {starter.start(name, d, data) for name, (d, data, _, _) in BREAKING.items()}
        after: list[str] = []
        while len(after) < 5 or broken - {starter.partitions[name] for name in after}:
            assert len(after) < 500
            after.append(f"next-{len(after)}")
            starter.start(after[-1], FLOW, {"quantity": 1})
        names = [*BREAKING, *after]
        histories = read_histories(
            settings,
            codec,
            lambda h: all(_ended(h.get(name, [])) for name in names),
            timeout_s=90,
        )

    for name, (_, _, error, words) in BREAKING.items():
        history = histories[name]
        assert types(history)[0] == "ExecutionStarted" and types(history)[-1] == "ExecutionFailed"
        failure = json.loads(history[-1]["details"])
        assert failure["error"] == error, (name, failure)
        assert words in failure["cause"], (name, failure)
    for name in after:
        assert types(histories[name])[-1] == "ExecutionSucceeded", name
