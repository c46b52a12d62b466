"""Publishes the outbox to Kafka with an idempotent, acks=all producer, then marks rows sent.

A batch is read in id order, produced, flushed, and only the rows acknowledged from the
first one on without a gap are marked sent, so a key's records keep their order. A crash
between publishing and marking publishes the rows again on the next start: the same bytes,
the same envelope id, so a consumer can tell. Nothing is lost; duplicates are possible.
One relay per schema publishes at a time (an advisory lock), whichever process it is in.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from orderloom.kafka.config import producer_config
from orderloom.outbox import store
from orderloom.outbox.store import Connection, Row
from orderloom.outbox.writer import MAX_RECORD_BYTES
from orderloom.settings import KafkaSettings

log = logging.getLogger(__name__)
_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox'))"


class OutboxRelay:
    """Owns a producer; ``drain`` publishes everything pending on ``conn`` (autocommit)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        conn: Connection,
        *,
        batch_size: int = 500,
        flush_timeout_s: float = 30.0,
        keep_sent: timedelta = timedelta(days=7),
        **producer_overrides: Any,
    ) -> None:
        self._producer = Producer(
            producer_config(kafka, **{"message.max.bytes": MAX_RECORD_BYTES, **producer_overrides})
        )
        self._conn = conn
        self._batch_size, self._flush_timeout_s = batch_size, flush_timeout_s
        self._keep_sent = keep_sent
        self._pruned_at = 0.0
        self.published = 0

    def step(self) -> int:
        """Publish one batch; the number of rows marked sent."""
        with self._conn.transaction():
            locked = self._conn.execute(_LOCK).fetchone()
            if not locked or not locked[0]:
                return 0
            rows = store.pending(self._conn, self._batch_size)
            sent = publish(self._producer, rows, self._flush_timeout_s)
            store.mark_sent(self._conn, sent)
        self.published += len(sent)
        return len(sent)

    def drain(self) -> int:
        """Publish until nothing is pending (or a batch could not be wholly published)."""
        total = 0
        while (sent := self.step()) == self._batch_size:
            total += sent
        total += sent
        if time.monotonic() - self._pruned_at > 60:
            self._pruned_at = time.monotonic()
            with self._conn.transaction():
                store.prune(self._conn, self._keep_sent)
        return total

    def close(self) -> None:
        self._producer.flush(self._flush_timeout_s)


def publish(producer: Producer, rows: list[Row], timeout_s: float = 30.0) -> list[int]:
    """Produce ``rows`` and wait; the ids acknowledged, up to the first that was not."""
    outcome: dict[int, KafkaError | None] = {}
    for row in rows:
        record = row.record

        def delivered(error: KafkaError | None, _m: Message, row_id: int = row.id) -> None:
            outcome[row_id] = error

        while True:
            try:
                producer.produce(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=record.headers,
                    on_delivery=delivered,
                )
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(timeout_s)
    sent: list[int] = []
    for row in rows:
        error = outcome.get(row.id, KafkaError(KafkaError._MSG_TIMED_OUT))
        if error is not None:
            log.warning(
                "outbox row not published; it will be tried again",
                extra={"row": row.id, "topic": row.record.topic, "error": str(error)},
            )
            break
        sent.append(row.id)
    return sent
