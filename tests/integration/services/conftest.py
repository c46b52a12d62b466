"""What the service tests share: the topics as the spec declares them, a schema of the
test's own, commands published as the workflow runner publishes them, a running service."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config, topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.kafka.records import Consumed, Received
from orderloom.outbox.consumer import OutboxConsumer
from orderloom.outbox.tasks import TASK_REQUESTED
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import spec_topics

TOPICS = (
    "inventory.commands",
    "inventory.events",
    "billing.commands",
    "billing.events",
    "billing.vendor-replies",
    "vendor.requests",
    "workflow.inputs",
)


@pytest.fixture
def topics(settings: OrderloomSettings, admin: AdminClient) -> Iterator[None]:
    with spec_topics(admin, settings.kafka.topic_prefix, TOPICS):
        yield


@pytest.fixture
def schema(pg: psycopg.Connection[tuple[object, ...]]) -> str:
    """The name of the schema the ``pg`` fixture made for this test."""
    row = pg.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return str(row[0])


def task(
    settings: OrderloomSettings,
    service: str,
    action: str,
    body: Any,
    *,
    execution_id: str,
    token: str | None = None,
) -> Envelope:
    """A ``TaskRequested`` as the runner writes it: id = token, key = the execution."""
    token = token or f"{execution_id}/{action}/{uuid.uuid4().hex[:8]}"
    data = {
        "execution_id": execution_id,
        "task_token": token,
        "resource": f"service:{service}.{action}",
        "action": action,
        "input": body if isinstance(body, str) else json.dumps(body),
        "state": action.title(),
        "attempt": 1,
        "timeout_at_ms": None,
        "reply_topic": topic_name(settings.kafka, "workflow.inputs"),
    }
    return Envelope(
        type=TASK_REQUESTED,
        source="orderloom/workflow-runner",
        key=execution_id,
        data=data,
        id=token,
        time=datetime.now(UTC),
        correlation_id=execution_id,
    )


def publish(
    settings: OrderloomSettings, codec: EventCodec, topic: str, envelopes: list[Envelope]
) -> None:
    producer = EventProducer(settings.kafka, codec)
    for envelope in envelopes:
        producer.publish(topic_name(settings.kafka, topic), envelope)
    producer.flush()


def read(
    settings: OrderloomSettings,
    codec: EventCodec,
    topic: str,
    count: int,
    *,
    timeout_s: float = 30.0,
    match: Callable[[Received], bool] | None = None,
) -> list[Envelope]:
    found = read_envelopes(
        settings.kafka,
        codec,
        topic_name(settings.kafka, topic),
        count=count,
        timeout_s=timeout_s,
        match=match,
    )
    return [r.envelope for r in found]


def read_until(
    settings: OrderloomSettings,
    codec: EventCodec,
    topic: str,
    done: Callable[[list[Envelope]], bool],
    timeout_s: float,
) -> list[Envelope]:
    """Every committed envelope of ``topic``, read until ``done`` says enough or time is up."""
    consumer = Consumer(consumer_config(settings.kafka, f"until-{uuid.uuid4()}"))
    consumer.subscribe([topic_name(settings.kafka, topic)])
    found: list[Envelope] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not done(found) and time.monotonic() < deadline:
            for m in consumer.consume(1000, 0.5):
                if m.error() is None:
                    found.append(Consumed.of(m).decode(codec).envelope)
    finally:
        consumer.close()
    return found


@contextmanager
def running(service: OutboxConsumer) -> Iterator[OutboxConsumer]:
    """The service in a thread until the block ends; then it finishes and commits."""
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield service
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the service did not stop"
