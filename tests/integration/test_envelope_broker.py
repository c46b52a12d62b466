"""Envelopes through the real broker: headers intact, corrupt records dead-lettered."""

from __future__ import annotations

import threading

from confluent_kafka import Consumer, Producer

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config, producer_config
from orderloom.kafka.processor import TransactionalProcessor
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.kafka.records import Consumed, Outgoing, Received
from orderloom.kafka.topics import DLQ_SUFFIX
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker

PING = "orderloom.kernel.Ping"


def ping(i: int, key: str = "order-1") -> Envelope:
    return Envelope.new(
        PING,
        "tests",
        key,
        {"sequence": i, "message": f"m{i}", "payload": None},
        subject=f"ping/{i}",
        correlation_id=key,
        causation_id=f"cause-{i}",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def test_envelope_round_trip_keeps_every_header(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    topic = make_topic("roundtrip")
    sent = [ping(i) for i in range(5)]
    producer = EventProducer(settings.kafka, codec)
    for envelope in sent:
        producer.publish(topic, envelope)
    producer.flush()

    received = read_envelopes(settings.kafka, codec, topic, count=5)

    assert [r.envelope for r in received] == sent
    consumer = Consumer(consumer_config(settings.kafka, "raw-headers"))
    consumer.subscribe([topic])
    raw = None
    while raw is None:
        raw = next((m for m in consumer.consume(1, 1.0) if m.error() is None), None)
    consumer.close()
    headers = dict(Consumed.of(raw).headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == PING.encode()
    assert headers["content-type"] == b"application/avro"
    assert headers["traceparent"] == b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert headers["ce_correlationid"] == b"order-1"
    assert raw.key() == b"order-1"


def test_corrupt_record_goes_to_dead_letter_topic_and_the_rest_goes_on(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    source = make_topic("in", partitions=1, dead_letter=True)
    sink = make_topic("out", partitions=1)
    good_value, good_headers = codec.encode(ping(1), source)
    raw = Producer(producer_config(settings.kafka))
    raw.produce(source, key=b"order-1", value=good_value, headers=good_headers)
    raw.produce(source, key=b"order-1", value=good_value[:11], headers=good_headers)
    raw.produce(source, key=b"order-1", value=b"\xc3\x01garbage!!", headers=good_headers)
    raw.produce(
        source,
        key=b"order-1",
        value=good_value,
        headers=[(k, v) for k, v in good_headers if k != "ce_type"],
    )
    unknown = [(k, b"orderloom.kernel.Nope" if k == "ce_type" else v) for k, v in good_headers]
    raw.produce(source, key=b"order-1", value=good_value, headers=unknown)
    raw.produce(
        source,
        key=b"order-1",
        value=codec.encode(ping(2), source)[0],
        headers=codec.encode(ping(2), source)[1],
    )
    assert raw.flush(10) == 0

    done = threading.Event()
    seen: list[int] = []

    def forward(batch: list[Received]) -> list[Outgoing]:
        seen.extend(r.envelope.data["sequence"] for r in batch)
        if len(seen) >= 2:
            done.set()
        return [Outgoing.event(codec, sink, r.envelope) for r in batch]

    TransactionalProcessor(
        settings.kafka,
        group_id=f"{source}-g",
        topics=[source],
        transactional_id=f"{source}-tx",
        codec=codec,
        handler=forward,
    ).run(done)

    assert seen == [1, 2]
    assert [
        r.envelope.data["sequence"] for r in read_envelopes(settings.kafka, codec, sink, count=2)
    ] == [1, 2]
    consumer = Consumer(consumer_config(settings.kafka, "dlq-reader"))
    consumer.subscribe([source + DLQ_SUFFIX])
    dead: list[dict[str, str | bytes | None]] = []
    while len(dead) < 4:
        dead.extend(
            dict(Consumed.of(m).headers) for m in consumer.consume(10, 1.0) if not m.error()
        )
    consumer.close()
    assert [d["dlq_reason"] for d in dead] == [
        b"malformed-data",
        b"unknown-schema",
        b"missing-header",
        b"unknown-type",
    ]
    assert [d["dlq_offset"] for d in dead] == [b"1", b"2", b"3", b"4"]
    assert all(d["dlq_topic"] == source.encode() for d in dead)
    assert dead[2]["dlq_error"] == b"ce_type"
