"""What the poison tests share: records no consumer can apply, and reading a dead-letter topic."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, Producer

from orderloom.events.codec import EventCodec, Headers
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config, producer_config
from orderloom.kafka.records import Consumed
from orderloom.kafka.topics import DLQ_SUFFIX
from orderloom.settings import OrderloomSettings

NUL = "\u0000"
TOO_BIG_FOR_INTEGER = 2**70


def produce_raw(
    settings: OrderloomSettings,
    topic: str,
    records: list[tuple[bytes | None, bytes | None, Headers]],
    max_bytes: int = 1_000_000,
) -> None:
    """Records as they are, bypassing the codec: bytes no envelope has, or up to ``max_bytes``."""
    producer = Producer(producer_config(settings.kafka, **{"message.max.bytes": max_bytes}))
    for key, value, headers in records:
        producer.produce(topic, key=key, value=value, headers=headers)
    assert producer.flush(10) == 0


def encoded(
    codec: EventCodec, topic: str, envelope: Envelope
) -> tuple[bytes | None, bytes | None, Headers]:
    value, headers = codec.encode(envelope, topic)
    return envelope.key.encode(), value, headers


def undecodable(
    codec: EventCodec, topic: str, envelope: Envelope
) -> list[tuple[bytes | None, bytes | None, Headers]]:
    """``envelope`` spoiled three ways: bad Avro, no CloudEvents headers, a key not UTF-8."""
    value, headers = codec.encode(envelope, topic)
    key = envelope.key.encode()
    return [
        (key, value[:10] + b"\xff\xff\xff", headers),
        (key, value, [h for h in headers if not h[0].startswith("ce_")]),
        (b"\xff\xfe" + key, value, headers),
    ]


UNDECODABLE_REASONS = ["bad-key", "malformed-data", "missing-header"]


def dead_letters(
    settings: OrderloomSettings, topic: str, count: int, timeout_s: float = 60.0
) -> list[dict[str, str]]:
    """The headers of the first ``count`` records of ``topic``'s dead-letter topic, read
    until they are there (or time runs out)."""
    consumer = Consumer(consumer_config(settings.kafka, f"dlq-{uuid.uuid4().hex[:8]}"))
    consumer.subscribe([topic + DLQ_SUFFIX])
    found: list[dict[str, str]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(found) < count and time.monotonic() < deadline:
            for message in consumer.consume(10, 0.2):
                if message.error() is None:
                    found.append(
                        {
                            k: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                            for k, v in Consumed.of(message).headers
                        }
                    )
    finally:
        consumer.close()
    return found


def reasons(letters: list[dict[str, str]]) -> list[str]:
    return sorted(letter["dlq_reason"] for letter in letters)
