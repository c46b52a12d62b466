"""The transactional publisher against the real broker: many webhooks share a transaction,
and when it aborts every one of them fails and nothing of them is ever read."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer

from order_service.publisher import NotDelivered, TransactionalPublisher
from orderloom.kafka.config import consumer_config
from orderloom.kafka.records import Outgoing
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.order.test_intake import QUIET_S


def started(settings: OrderloomSettings, lanes: int) -> TransactionalPublisher:
    return TransactionalPublisher(
        settings.kafka,
        max_records=50,
        linger_s=0.2,
        max_record_bytes=3_000_000,
        lanes=lanes,
        **{"message.max.bytes": 3_000_000, "delivery.timeout.ms": 10_000},
    )


@pytest.fixture
def publisher(settings: OrderloomSettings) -> Iterator[TransactionalPublisher]:
    writer = started(settings, lanes=2)
    yield writer
    writer.close()


@pytest.fixture
def one_lane(settings: OrderloomSettings) -> Iterator[TransactionalPublisher]:
    """One transaction at a time, so writes sent together share it."""
    writer = started(settings, lanes=1)
    yield writer
    writer.close()


def committed_keys(
    settings: OrderloomSettings, topic: str, count: int, timeout_s: float
) -> list[bytes]:
    """Keys of the first ``count`` committed records of ``topic`` (fewer if time runs out)."""
    consumer = Consumer(consumer_config(settings.kafka, f"reader-{uuid.uuid4()}"))
    consumer.subscribe([topic])
    keys: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(keys) < count and time.monotonic() < deadline:
            keys += [m.key() or b"" for m in consumer.consume(500, 0.5) if m.error() is None]
    finally:
        consumer.close()
    return keys


def test_concurrent_writes_share_transactions_and_are_all_committed(
    settings: OrderloomSettings, make_topic: TopicMaker, publisher: TransactionalPublisher
) -> None:
    topic = make_topic("order.events")
    ids = publisher.transactional_ids
    assert len(ids) == 2
    assert all(id.startswith(settings.kafka.topic_prefix + "order-intake-") for id in ids)

    async def write_all() -> None:
        await asyncio.gather(
            *(publisher.write([Outgoing(topic, f"k{i}".encode(), b"v", [])]) for i in range(120))
        )

    asyncio.run(write_all())

    assert 3 <= publisher.committed < 120
    assert sorted(committed_keys(settings, topic, 120, 30.0)) == sorted(
        f"k{i}".encode() for i in range(120)
    )


def test_an_aborted_transaction_fails_all_its_writers_and_keeps_nothing(
    settings: OrderloomSettings, make_topic: TopicMaker, one_lane: TransactionalPublisher
) -> None:
    events, inputs = make_topic("order.events"), make_topic("workflow.inputs")
    small = [Outgoing(events, b"small", b"v", [])]
    too_big = [
        Outgoing(inputs, b"big", os.urandom(2_000_000), []),
        Outgoing(events, b"big", b"v", []),
    ]

    async def together() -> list[BaseException | None]:
        results = await asyncio.gather(
            one_lane.write(small), one_lane.write(too_big), return_exceptions=True
        )
        return list(results)

    results = asyncio.run(together())
    asyncio.run(one_lane.write([Outgoing(events, b"after", b"v", [])]))

    assert all(isinstance(r, NotDelivered) for r in results), results
    assert committed_keys(settings, events, 2, QUIET_S) == [b"after"]
    assert committed_keys(settings, inputs, 1, QUIET_S) == []
