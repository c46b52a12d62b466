"""``orderloom bench kafka``: what the local broker sustains for 1 KiB Avro envelopes.

Three phases on fresh topics: idempotent produce with acks=all, read_committed consume,
and the transactional read-process-write helper copying every record to a second topic.
"""

from __future__ import annotations

import os
import platform
import threading
import time
import uuid
from typing import Any

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from orderloom.events.codec import EventCodec, codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config
from orderloom.kafka.processor import TransactionalProcessor
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.records import Consumed, Outgoing, Received
from orderloom.settings import OrderloomSettings

PARTITIONS = 6


def run_kafka_bench(settings: OrderloomSettings, *, records: int, size: int) -> dict[str, Any]:
    kafka = settings.kafka
    codec = codec_for(kafka.schema_registry_url)
    prefix = f"{kafka.topic_prefix}bench-{uuid.uuid4().hex[:8]}."
    source, sink = prefix + "in", prefix + "out"
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    for future in admin.create_topics(
        [NewTopic(t, PARTITIONS, 1) for t in (source, sink)]
    ).values():
        future.result()
    try:
        probe = Envelope.new("orderloom.kernel.Ping", "bench", "k", {"sequence": 0, "message": "x"})
        overhead = len(codec.encode(probe, source)[0])
        payload = b"x" * max(0, size - overhead - 2)
        envelopes = [
            Envelope.new(
                "orderloom.kernel.Ping",
                "orderloom/bench",
                f"order-{i % 1000}",
                {"sequence": i, "message": "bench", "payload": payload},
            )
            for i in range(records)
        ]
        encoded_size = len(codec.encode(envelopes[0], source)[0])

        started = time.perf_counter()
        producer = EventProducer(kafka, codec)
        for envelope in envelopes:
            producer.publish(source, envelope)
        producer.flush(120)
        produce_s = time.perf_counter() - started

        consume_s = _consume_all(settings, codec, source, records)

        copied = 0
        done = threading.Event()

        def copy(batch: list[Received]) -> list[Outgoing]:
            nonlocal copied
            copied += len(batch)
            if copied >= records:
                done.set()
            return [Outgoing.event(codec, sink, r.envelope) for r in batch]

        processor = TransactionalProcessor(
            kafka,
            group_id=f"{prefix}copier",
            topics=[source],
            transactional_id=f"{prefix}copier",
            codec=codec,
            handler=copy,
        )
        started = time.perf_counter()
        processor.run(done)
        transact_s = time.perf_counter() - started
    finally:
        for future in admin.delete_topics([source, sink]).values():
            future.result()
    return {
        "bench": "kafka",
        "records": records,
        "value_bytes": encoded_size,
        "produce_per_s": round(records / produce_s),
        "consume_per_s": round(records / consume_s),
        "transactional_per_s": round(records / transact_s),
        "transactions": processor.committed_batches,
        "machine": machine(),
    }


def _consume_all(settings: OrderloomSettings, codec: EventCodec, topic: str, records: int) -> float:
    """Seconds to read and decode ``records`` envelopes, group join included."""
    consumer = Consumer(consumer_config(settings.kafka, f"bench-{uuid.uuid4()}"))
    consumer.subscribe([topic])
    seen = 0
    started = time.perf_counter()
    while seen < records:
        seen += len(
            [Consumed.of(m).decode(codec) for m in consumer.consume(1000, 1.0) if not m.error()]
        )
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def machine() -> str:
    """Where the figures come from, printed with them."""
    return (
        f"{platform.machine()} {os.cpu_count() or 1} cores, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
