"""Which deliveries are already done, learnt from ``order.events`` itself.

A delivery is done when its marker (its last record, on ``order.events``) is written.
A thread reads the topic's committed records from ``window_s`` ago onwards and keeps
the markers' envelope ids (``ce_id``) and the Shopify webhook ids they carry
(``shopify_webhook_id``), so a repeated webhook is recognised by its order or by its
webhook id after a restart and by every replica, not only by the process that took the
first one. Only headers are read: nothing is decoded.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from confluent_kafka import Consumer, TopicPartition

from orderloom.kafka.config import consumer_config
from orderloom.settings import KafkaSettings

WEBHOOK_HEADER = "shopify_webhook_id"


class SeenMarkers:
    """Marker ids and webhook ids of done deliveries, each bounded to the ``limit`` most
    recent."""

    def __init__(self, limit: int = 1_000_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._webhooks: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def __contains__(self, marker: str) -> bool:
        with self._lock:
            return marker in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def knows_webhook(self, webhook_id: str | None) -> bool:
        """Whether a done delivery came with this ``X-Shopify-Webhook-Id``."""
        with self._lock:
            return webhook_id is not None and webhook_id in self._webhooks

    def add(self, marker: str, webhook_id: str | None = None) -> None:
        with self._lock:
            _remember(self._ids, marker, self._limit)
            if webhook_id is not None:
                _remember(self._webhooks, webhook_id, self._limit)


def _remember(ids: OrderedDict[str, None], id: str, limit: int) -> None:
    ids[id] = None
    ids.move_to_end(id)
    while len(ids) > limit:
        ids.popitem(last=False)


class MarkerFeed:
    """Tails ``topic`` into ``seen``; ``caught_up`` is set once the records that were
    there at start (within the window) have been read."""

    def __init__(
        self, kafka: KafkaSettings, topic: str, seen: SeenMarkers, window_s: float
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._seen = seen
        self._window_s = window_s
        self._stop = threading.Event()
        self.caught_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name="marker-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        consumer = Consumer(consumer_config(self._kafka, f"order-intake-{uuid.uuid4()}"))
        try:
            pending = self._assign(consumer)
            while not self._stop.is_set():
                for m in consumer.consume(1000, 0.2):
                    headers = {} if m.error() else dict(m.headers() or [])
                    marker, webhook = headers.get("ce_id"), headers.get(WEBHOOK_HEADER)
                    if isinstance(marker, bytes):
                        hook = (
                            webhook.decode(errors="replace") if isinstance(webhook, bytes) else None
                        )
                        self._seen.add(marker.decode(errors="replace"), hook)
                if pending:
                    positions = consumer.position(pending)
                    pending = [
                        end
                        for end, now in zip(pending, positions, strict=True)
                        if now.offset < end.offset
                    ]
                if not pending:
                    self.caught_up.set()
        finally:
            consumer.close()

    def _assign(self, consumer: Consumer) -> list[TopicPartition]:
        """Assign every partition from the window's start; returns the end offsets (as
        partitions) that must be passed to have read what was there at start."""
        metadata = consumer.list_topics(self._topic, timeout=30)
        partitions = sorted(metadata.topics[self._topic].partitions)
        since_ms = int((time.time() - self._window_s) * 1000)
        starts = consumer.offsets_for_times(
            [TopicPartition(self._topic, p, since_ms) for p in partitions], timeout=30
        )
        consumer.assign(starts)
        ends: list[TopicPartition] = []
        for tp in starts:
            _, high = consumer.get_watermark_offsets(
                TopicPartition(self._topic, tp.partition), timeout=30
            )
            if 0 <= tp.offset < high:
                ends.append(TopicPartition(self._topic, tp.partition, high))
        return ends
