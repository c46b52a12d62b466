"""What the workflow tests share: topics, a stock service that answers, history reading."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config, topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.records import Consumed
from orderloom.kafka.topics import DLQ_SUFFIX, apply, load_spec
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.host import build
from orderloom.workflow.limits import DEFAULT_LIMITS, Limits
from tests.integration.conftest import TopicMaker
from tests.integration.programs.run_workflows import HANDLERS

FLOW = {
    "Comment": "validate, price, wait, reserve stock (a service), done",
    "StartAt": "Validate",
    "States": {
        "Validate": {
            "Type": "Task",
            "Resource": "local:validate",
            "ResultPath": "$.check",
            "Next": "Price",
        },
        "Price": {
            "Type": "Task",
            "Resource": "local:price",
            "ResultPath": "$.price",
            "Next": "Pause",
        },
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Reserve"},
        "Reserve": {
            "Type": "Task",
            "Resource": "service:stock.reserve",
            "ResultPath": "$.reservation",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
WORKFLOW_TOPICS = ("workflow.inputs", "workflow.history", "workflow.snapshots", "vendor.requests")


@contextmanager
def workflow_topics(
    settings: OrderloomSettings, admin: AdminClient, make_topic: TopicMaker
) -> Iterator[None]:
    """The runner's topics as the spec declares them, plus the test's stock service topic."""
    prefix = settings.kafka.topic_prefix
    specs = [
        s
        for s in load_spec(prefix=prefix)
        if s.name.removeprefix(prefix).removesuffix(DLQ_SUFFIX) in WORKFLOW_TOPICS
    ]
    apply(admin, specs)
    make_topic("stock.commands", partitions=3)
    try:
        yield
    finally:
        for future in admin.delete_topics([s.name for s in specs]).values():
            future.result()


@contextmanager
def runner_running(
    settings: OrderloomSettings,
    admin: AdminClient,
    make_topic: TopicMaker,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[None]:
    """The runner's topics and a runner with the test programs' handlers on them, in a thread
    that is stopped (its transaction finished) when the block ends."""
    with workflow_topics(settings, admin, make_topic):
        processor, _ = build(settings, HANDLERS, limits=limits)
        stop = threading.Event()
        thread = threading.Thread(target=processor.run, args=(stop,), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)


def start_all(
    settings: OrderloomSettings,
    codec: EventCodec,
    executions: dict[str, Any],
    definition: dict[str, Any] = FLOW,
) -> None:
    producer = EventProducer(settings.kafka, codec)
    for execution_id, data in executions.items():
        envelope = wire.start(
            execution_id, "TestFlow", definition, data, correlation_id=f"order-{execution_id}"
        )
        producer.publish(topic_name(settings.kafka, "workflow.inputs"), envelope)
    producer.flush()


@contextmanager
def answering(
    settings: OrderloomSettings,
    codec: EventCodec,
    topic: str,
    answer: Callable[[Envelope], tuple[str, Envelope] | None],
) -> Iterator[None]:
    """A real consumer of ``topic`` that publishes ``answer``'s ``(topic, reply)`` for each
    request it reads (nothing for ``None``), until the block ends."""
    stop = threading.Event()

    def serve() -> None:
        consumer = Consumer(consumer_config(settings.kafka, f"answering-{uuid.uuid4()}"))
        consumer.subscribe([topic_name(settings.kafka, topic)])
        producer = EventProducer(settings.kafka, codec)
        while not stop.is_set():
            for message in consumer.consume(100, 0.2):
                if message.error():
                    continue
                reply = answer(Consumed.of(message).decode(codec).envelope)
                if reply is not None:
                    producer.publish(*reply)
            producer.flush()
        consumer.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


@contextmanager
def stock_service(settings: OrderloomSettings, codec: EventCodec) -> Iterator[list[str]]:
    """A real consumer of stock.commands that answers every reserve with a reservation."""
    answered: list[str] = []

    def reserve(request: Envelope) -> tuple[str, Envelope]:
        token = request.data["task_token"]
        reply = request.caused(
            "orderloom.workflow.TaskSucceeded",
            "tests/stock",
            {
                "execution_id": request.data["execution_id"],
                "task_token": token,
                "output": json.dumps({"reserved": True}),
            },
            id=f"{token}/reply",
            time=request.time,
        )
        answered.append(token)
        return request.data["reply_topic"], reply

    with answering(settings, codec, "stock.commands", reserve):
        yield answered


Histories = dict[str, list[dict[str, Any]]]


def read_histories(
    settings: OrderloomSettings,
    codec: EventCodec,
    done: Callable[[Histories], bool],
    timeout_s: float,
) -> Histories:
    """History events per execution, read until ``done`` says enough (or time runs out)."""
    consumer = Consumer(consumer_config(settings.kafka, f"history-{uuid.uuid4()}"))
    consumer.subscribe([topic_name(settings.kafka, "workflow.history")])
    histories: Histories = defaultdict(list)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not done(histories):
            for message in consumer.consume(1000, 0.5):
                if not message.error():
                    data = Consumed.of(message).decode(codec).envelope.data
                    histories[data["execution_id"]].extend(data["events"])
    finally:
        consumer.close()
    return dict(histories)


def finished(count: int) -> Callable[[Histories], bool]:
    def check(histories: Histories) -> bool:
        ends = sum(
            1
            for h in histories.values()
            if h and h[-1]["event_type"] in ("ExecutionSucceeded", "ExecutionFailed")
        )
        return ends >= count

    return check


def types(history: list[dict[str, Any]]) -> list[str]:
    return [event["event_type"] for event in history]


def envelopes_of(
    settings: OrderloomSettings, codec: EventCodec, topic: str, idle_s: float = 3.0
) -> list[Envelope]:
    """Every committed envelope of a topic, read until it has been quiet for ``idle_s``."""
    consumer = Consumer(consumer_config(settings.kafka, f"all-{uuid.uuid4()}"))
    consumer.subscribe([topic_name(settings.kafka, topic)])
    found: list[Envelope] = []
    quiet = 0.0
    while quiet < idle_s:
        batch = [m for m in consumer.consume(1000, 0.5) if not m.error()]
        quiet = 0.0 if batch else quiet + 0.5
        found.extend(Consumed.of(m).decode(codec).envelope for m in batch)
    consumer.close()
    return found
