"""Requests for the vendor gateway and a reader of its answers, shared by bench and tests.

Requests look like the workflow runner's (``orderloom.workflow.wire.vendor_request``):
the request id is the idempotency key; a sync request names a reply topic and uses
the request id as its task token, an async one is answered on ``vendor.responses``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.records import Consumed
from orderloom.settings import KafkaSettings


def vendor_request(
    request_id: str,
    *,
    sync: bool,
    reply_topic: str,
    vendor: str = "erp",
    operation: str = "create_sales_order",
    key: str | None = None,
    deadline_ms: int | None = None,
) -> Envelope:
    """A ``VendorRequest`` envelope whose id is the request id (so a resend is the same)."""
    data: dict[str, Any] = {
        "request_id": request_id,
        "vendor": vendor,
        "operation": operation,
        "lane": "sync" if sync else "async",
        "body": json.dumps({"request": request_id}),
        "idempotency_key": request_id,
        "deadline_ms": deadline_ms,
        "reply_topic": reply_topic if sync else None,
        "task_token": request_id if sync else None,
    }
    return Envelope(
        type="orderloom.vendor.VendorRequest",
        source="orderloom/bench",
        key=key or f"exec-{request_id}",
        data=data,
        id=request_id,
        time=datetime.now(UTC),
    )


def publish(kafka: KafkaSettings, codec: EventCodec, topic: str, envelopes: list[Envelope]) -> None:
    producer = EventProducer(kafka, codec)
    for envelope in envelopes:
        producer.publish(topic, envelope)
    producer.flush(120)


class Answers:
    """Reads the gateway's replies on a thread: per task token, what came and when first."""

    def __init__(self, kafka: KafkaSettings, codec: EventCodec, topics: list[str]) -> None:
        self.first: dict[str, Envelope] = {}
        self.first_at: dict[str, float] = {}
        self.arrivals: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._codec = codec
        self._stop = threading.Event()
        self._consumer = Consumer(consumer_config(kafka, f"answers-{uuid.uuid4()}"))
        self._consumer.subscribe(topics)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            for message in self._consumer.consume(1000, 0.05):
                if message.error():
                    continue
                envelope = Consumed.of(message).decode(self._codec).envelope
                token = str(envelope.data["task_token"])
                with self._lock:
                    self.arrivals[token] += 1
                    if token not in self.first:
                        self.first[token] = envelope
                        self.first_at[token] = time.monotonic()
        self._consumer.close()

    def count(self) -> int:
        with self._lock:
            return len(self.first)

    def wait_for(self, tokens: set[str] | int, timeout_s: float) -> bool:
        """Whether every token in ``tokens`` (or that many tokens) got an answer in time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                done = (
                    len(self.first) >= tokens
                    if isinstance(tokens, int)
                    else tokens <= self.first.keys()
                )
            if done:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def duration(self, token: str) -> float:
        """Real seconds the vendor worked on a successful request (its echo says)."""
        return float(json.loads(self.first[token].data["output"])["duration"])
