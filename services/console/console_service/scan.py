"""Reading a topic's records in an offset range by their headers, for replay.

Only the key, the ``ce_id``/``ce_correlationid`` headers and the Kafka timestamp are looked
at while scanning, so a dry run over millions of records decodes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, TopicPartition

from orderloom.kafka.config import consumer_config
from orderloom.settings import KafkaSettings

Positions = dict[int, int]


def partitions(kafka: KafkaSettings, topic: str) -> list[int]:
    consumer = Consumer(consumer_config(kafka, f"replay-meta-{uuid.uuid4()}"))
    try:
        meta = consumer.list_topics(topic, timeout=30).topics[topic]
        if meta.error is not None:
            raise KafkaException(meta.error)
        return sorted(meta.partitions)
    finally:
        consumer.close()


def bounds(
    kafka: KafkaSettings, topic: str, *, offset: int | None, since: datetime | None
) -> tuple[Positions, Positions]:
    """Where each partition's replay starts (an offset, a time or the beginning) and ends."""
    consumer = Consumer(consumer_config(kafka, f"replay-meta-{uuid.uuid4()}"))
    try:
        numbers = partitions(kafka, topic)
        marks = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30) for p in numbers
        }
        ends = {p: int(high) for p, (_, high) in marks.items()}
        if since is not None:
            ms = int(since.timestamp() * 1000)
            found = consumer.offsets_for_times(
                [TopicPartition(topic, p, ms) for p in numbers], timeout=30
            )
            starts = {
                tp.partition: ends[tp.partition] if tp.offset < 0 else tp.offset for tp in found
            }
        elif offset is not None:
            starts = {p: min(max(offset, int(low)), ends[p]) for p, (low, _) in marks.items()}
        else:
            starts = {p: int(low) for p, (low, _) in marks.items()}
        return starts, ends
    finally:
        consumer.close()


def records(
    kafka: KafkaSettings, topic: str, starts: Positions, ends: Positions
) -> Iterator[Message]:
    """Every committed record from ``starts`` up to ``ends`` (exclusive), partition by partition."""
    todo = {p: o for p, o in starts.items() if o < ends[p]}
    if not todo:
        return
    consumer = Consumer(consumer_config(kafka, f"replay-scan-{uuid.uuid4()}"))
    try:
        consumer.assign([TopicPartition(topic, p, o or OFFSET_BEGINNING) for p, o in todo.items()])
        tps = [TopicPartition(topic, p) for p in todo]
        while todo:
            for message in consumer.consume(1000, 0.5):
                error = message.error()
                if error is not None:
                    raise KafkaException(error)
                if (message.offset() or 0) < ends[message.partition() or 0]:
                    yield message
            for tp in consumer.position(tps):
                if tp.partition in todo and tp.offset >= ends[tp.partition]:
                    del todo[tp.partition]
    finally:
        consumer.close()


def header(message: Message, name: str) -> str | None:
    found = message.headers() or []
    pairs = found.items() if isinstance(found, dict) else found
    for key, value in pairs:
        if key == name and isinstance(value, bytes):
            return value.decode()
    return None


def key_of(message: Message) -> str:
    key = message.key()
    return key.decode() if isinstance(key, bytes) else str(key or "")
