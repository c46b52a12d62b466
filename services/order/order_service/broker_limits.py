"""How big a record the broker takes, asked of the broker at startup.

A webhook whose records would be refused by the broker would be refused on every retry;
the intake answers 413 before writing instead. The limit is the smallest of the topics'
``max.message.bytes`` and the producer's ``message.max.bytes``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from orderloom.settings import KafkaSettings

_UNKNOWN_TOPIC = KafkaError.UNKNOWN_TOPIC_OR_PART


def max_message_bytes(
    kafka: KafkaSettings, topics: Sequence[str], producer_limit: int, timeout_s: float = 30.0
) -> int:
    """The smallest of the topics' ``max.message.bytes`` and the producer's own limit
    (a topic just created may take a moment to be known: asked again until ``timeout_s``)."""
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    deadline = time.monotonic() + timeout_s
    limits = [producer_limit]
    for topic in topics:
        while True:
            future = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)])
            try:
                entry = next(iter(future.values())).result(timeout=timeout_s)
                break
            except KafkaException as e:
                if time.monotonic() > deadline or e.args[0].code() != _UNKNOWN_TOPIC:
                    raise
                time.sleep(0.2)
        limit = entry.get("max.message.bytes")
        if limit is not None and limit.value is not None:
            limits.append(int(limit.value))
    return min(limits)
