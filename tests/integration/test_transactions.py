"""Transactions on the real broker: aborted work is invisible, committed work is seen once."""

from __future__ import annotations

import threading

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from orderloom.events.codec import EventCodec
from orderloom.kafka.config import consumer_config, transactional_producer_config
from orderloom.kafka.processor import Handler, TransactionalProcessor
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.kafka.records import Outgoing, Received
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.test_envelope_broker import ping


def _count(settings: OrderloomSettings, topic: str, isolation: str) -> int:
    consumer = Consumer(
        consumer_config(settings.kafka, f"count-{isolation}", **{"isolation.level": isolation})
    )
    consumer.subscribe([topic])
    seen, idle = 0, 0
    while idle < 3:
        batch = [m for m in consumer.consume(100, 1.0) if m.error() is None]
        seen, idle = seen + len(batch), 0 if batch else idle + 1
    consumer.close()
    return seen


def test_aborted_transaction_is_invisible_to_read_committed(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    topic = make_topic("tx", partitions=1)
    producer = Producer(transactional_producer_config(settings.kafka, f"{topic}-tx"))
    producer.init_transactions(30)
    producer.begin_transaction()
    for i in range(3):
        value, headers = codec.encode(ping(i), topic)
        producer.produce(topic, key=b"order-1", value=value, headers=headers)
    assert producer.flush(10) == 0  # on the broker's log, not just in our queue
    producer.abort_transaction(30)
    producer.begin_transaction()
    for i in range(3, 5):
        value, headers = codec.encode(ping(i), topic)
        producer.produce(topic, key=b"order-1", value=value, headers=headers)
    producer.commit_transaction(30)

    assert _count(settings, topic, "read_uncommitted") == 5
    assert [
        r.envelope.data["sequence"]
        for r in read_envelopes(settings.kafka, codec, topic, count=10, timeout_s=4)
    ] == [3, 4]


def test_crash_mid_batch_then_restart_delivers_each_record_once_with_offsets(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    source, sink = make_topic("src", partitions=3), make_topic("sink", partitions=3)
    producer = EventProducer(settings.kafka, codec)
    for i in range(300):
        producer.publish(source, ping(i, key=f"order-{i % 17}"))
    producer.flush()
    batches = 0

    def crash_on_third_batch(batch: list[Received]) -> list[Outgoing]:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise RuntimeError("process died mid-batch")
        return [Outgoing.event(codec, sink, r.envelope) for r in batch]

    def processor(handler: Handler) -> TransactionalProcessor:
        return TransactionalProcessor(
            settings.kafka,
            group_id=f"{source}-g",
            topics=[source],
            transactional_id=f"{source}-tx",
            codec=codec,
            handler=handler,
            batch_size=40,
        )

    with pytest.raises(RuntimeError, match="mid-batch"):
        processor(crash_on_third_batch).run(threading.Event())

    copied: list[int] = []
    done = threading.Event()

    def copy(batch: list[Received]) -> list[Outgoing]:
        copied.extend(r.envelope.data["sequence"] for r in batch)
        if len(copied) + 80 >= 300:
            done.set()
        return [Outgoing.event(codec, sink, r.envelope) for r in batch]

    processor(copy).run(done)

    out = read_envelopes(settings.kafka, codec, sink, count=400, timeout_s=5)
    assert sorted(r.envelope.data["sequence"] for r in out) == list(range(300))
    group = Consumer(consumer_config(settings.kafka, f"{source}-g"))
    committed = group.committed([TopicPartition(source, p) for p in range(3)], timeout=10)
    ends = [group.get_watermark_offsets(TopicPartition(source, p), timeout=10)[1] for p in range(3)]
    group.close()
    assert [tp.offset for tp in committed] == ends
