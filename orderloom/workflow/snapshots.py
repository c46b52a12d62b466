"""Recovering executions from the compacted ``workflow.snapshots`` topic.

Snapshots are keyed like inputs, and both topics have the same partition count, so the
snapshots of input partition p are in snapshot partition p. They were written in the same
transaction as the offsets of the inputs they follow, so reading partition p to its end
(read_committed) gives exactly the state that goes with the group's committed offset.

A snapshot that cannot be read (not an envelope, a key that is not UTF-8, a state that is
not one) is logged and left out, rather than stopping every assignment of its partition:
its execution is then unknown to the runner, which logs each input it ignores for it.
"""

from __future__ import annotations

import logging
import uuid
import zlib

from confluent_kafka import Consumer, KafkaError, TopicPartition

from orderloom.errors import RetryableError
from orderloom.events.codec import DecodeError, EventCodec
from orderloom.kafka.config import consumer_config
from orderloom.kafka.records import Consumed
from orderloom.settings import KafkaSettings
from orderloom.workflow.wire import Entry

log = logging.getLogger(__name__)
OFFSET_BEGINNING = -2
UNREADABLE = (DecodeError, ValueError, KeyError, TypeError, AttributeError, zlib.error)
"""What reading a snapshot raises when it is not one (UnicodeDecodeError is a ValueError)."""


def load(
    kafka: KafkaSettings,
    codec: EventCodec,
    topic: str,
    partitions: list[int],
    timeout_s: float = 120.0,
) -> dict[str, tuple[int, Entry]]:
    """Every execution of ``partitions``: its partition and latest entry."""
    if not partitions:
        return {}
    consumer = Consumer(
        consumer_config(kafka, f"snapshot-loader-{uuid.uuid4()}", **{"enable.partition.eof": True})
    )
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    found: dict[str, tuple[int, Entry]] = {}
    open_partitions = set(partitions)
    try:
        idle = 0.0
        while open_partitions:
            batch = consumer.consume(1000, 0.5)
            idle = 0.0 if batch else idle + 0.5
            if idle > timeout_s:
                raise RetryableError(
                    f"snapshots of {topic} {sorted(open_partitions)} did not reach their end"
                )
            for message in batch:
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        open_partitions.discard(message.partition() or 0)
                        continue
                    raise RetryableError(f"reading snapshots: {error}")
                record = Consumed.of(message)
                try:
                    if record.value is None:
                        found.pop((record.key or b"").decode(), None)
                        continue
                    data = record.decode(codec).envelope.data
                    found[data["execution_id"]] = (record.partition, Entry.restore(data["state"]))
                except UNREADABLE as e:
                    log.error(
                        "snapshot cannot be read; left out",
                        extra={
                            "topic": topic,
                            "partition": record.partition,
                            "offset": record.offset,
                            "error": f"{type(e).__name__}: {e}",
                        },
                    )
    finally:
        consumer.close()
    return found
