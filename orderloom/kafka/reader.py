"""Reading a topic's committed envelopes from the start, for tools, smoke checks and tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer

from orderloom.events.codec import EventCodec
from orderloom.kafka.config import consumer_config
from orderloom.kafka.records import Consumed, Received
from orderloom.settings import KafkaSettings


def read_envelopes(
    kafka: KafkaSettings,
    codec: EventCodec,
    topic: str,
    *,
    count: int,
    timeout_s: float = 30.0,
    match: Callable[[Received], bool] | None = None,
) -> list[Received]:
    """The first ``count`` committed envelopes of ``topic`` that ``match`` accepts
    (fewer if the time runs out)."""
    consumer = Consumer(consumer_config(kafka, f"reader-{uuid.uuid4()}"))
    consumer.subscribe([topic])
    found: list[Received] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(found) < count and time.monotonic() < deadline:
            for m in consumer.consume(500, 0.5):
                if m.error() is None:
                    record = Consumed.of(m).decode(codec)
                    if match is None or match(record):
                        found.append(record)
    finally:
        consumer.close()
    return found
