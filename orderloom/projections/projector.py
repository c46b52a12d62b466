"""The executions projection: ``workflow.history`` -> PostgreSQL, each event applied once.

Each batch's rows, history and next offsets are written in one PostgreSQL transaction, and
on start the projector assigns itself every partition at the offsets stored there (Kafka's
committed offsets are never used), so a crash at any point neither loses nor doubles an
event. Offsets are the consumer's positions, which step over transaction markers, so a
topic written by the transactional runner is caught up to its high watermark.

One projector per schema. A record that cannot be decoded, or whose rows PostgreSQL refuses
as data (a NUL character, an integer out of range), goes to ``workflow.history.dlq`` with the
reason before the offset past it is stored: a crash in between sends it there again, never
loses it. A batch PostgreSQL refuses is written again one record per transaction to find the
record at fault; other database errors stop the projector, which reads the batch again.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from orderloom.events.codec import DecodeError, EventCodec, codec_for
from orderloom.kafka.config import consumer_config, producer_config, topic_name
from orderloom.kafka.dead_letters import DeadLetters
from orderloom.kafka.records import Consumed, usable
from orderloom.poison import condemned
from orderloom.projections import store
from orderloom.projections.fold import HistoryRecord, fold_all
from orderloom.projections.history import history_records
from orderloom.projections.migrations import migrate
from orderloom.settings import OrderloomSettings

log = logging.getLogger(__name__)
PROJECTION = "executions"
HISTORY_TOPIC = "workflow.history"
MAX_BYTES = 16 * 1024 * 1024
"""A history record's largest size (``max.message.bytes`` of the topic and its dead letters)."""


class ExecutionsProjector:
    """Use as a context manager; inside it, ``run`` until stopped or ``catch_up`` and return."""

    def __init__(
        self,
        settings: OrderloomSettings,
        *,
        schema: str | None = None,
        codec: EventCodec | None = None,
        batch_size: int = 2000,
        poll_timeout_s: float = 0.2,
        window_s: float = 1.0,
    ) -> None:
        self.topic = topic_name(settings.kafka, HISTORY_TOPIC)
        self._settings, self._schema = settings, schema
        self._codec = codec or codec_for(settings.kafka.schema_registry_url)
        self._batch_size, self._poll_timeout_s = batch_size, poll_timeout_s
        self._window_s = window_s
        self._conn: store.Connection | None = None
        self._consumer: Consumer | None = None
        self._dead: DeadLetters | None = None
        self._partitions: list[TopicPartition] = []
        self._stored: dict[int, int] = {}
        self.batches = 0
        self.applied = 0
        self.undecodable = 0
        self.refused = 0

    def __enter__(self) -> ExecutionsProjector:
        self._conn = store.connect(self._settings.postgres.dsn, self._schema, autocommit=True)
        migrate(self._conn)
        self._stored = store.load_offsets(self._conn, PROJECTION, self.topic)
        consumer = Consumer(consumer_config(self._settings.kafka, f"projection-{PROJECTION}"))
        self._consumer = consumer
        self._dead = DeadLetters(
            Producer(producer_config(self._settings.kafka, **{"message.max.bytes": MAX_BYTES}))
        )
        topic = consumer.list_topics(self.topic, timeout=30).topics[self.topic]
        if topic.error is not None:
            raise KafkaException(topic.error)
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(topic.partitions)]
        self._assign_stored()
        log.info(
            "projecting executions",
            extra={"topic": self.topic, "schema": self._schema, "offsets": self._stored},
        )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._consumer is not None:
            self._consumer.close()
        if self._dead is not None:
            self._dead.close()
        if self._conn is not None:
            self._conn.close()

    def run(self, stop: threading.Event) -> None:
        """Project batch after batch until ``stop`` is set; a batch is never left half done.

        A batch gathers what comes within ``window_s``: an execution's steps in that time
        are folded into one write of its row (whose every version is indexed seven ways),
        not one each, at the cost of the read model trailing by up to that long.
        """
        while not stop.is_set():
            self.step(self._window_s)

    def catch_up(self, timeout_s: float = 60.0) -> None:
        """Project until every partition's stored offset reaches its high watermark as of now.

        Raises ``TimeoutError`` if that takes longer than ``timeout_s`` (a transaction left
        open on the topic holds the projection back until it commits or aborts).
        """
        consumer = self._open_consumer()
        deadline = time.monotonic() + timeout_s
        targets = {
            tp.partition: consumer.get_watermark_offsets(tp, timeout=timeout_s)[1]
            for tp in self._partitions
        }
        while any(self._stored.get(p, 0) < high for p, high in targets.items()):
            if time.monotonic() > deadline:
                behind = {p: high - self._stored.get(p, 0) for p, high in targets.items()}
                raise TimeoutError(f"{self.topic} not caught up in {timeout_s}s: {behind}")
            self.step()

    def reset(self) -> None:
        """Empty the read model and read the topic again from its beginning."""
        store.reset(self._open_conn(), PROJECTION)
        self._stored = {}
        self._assign_stored()

    def step(self, wait_s: float | None = None) -> None:
        """Consume one batch (waiting up to ``wait_s`` to fill it) and apply it with its
        offsets in one transaction."""
        consumer = self._open_consumer()
        wait_s = self._poll_timeout_s if wait_s is None else wait_s
        messages = [m for m in consumer.consume(self._batch_size, wait_s) if usable(m)]
        positions = {
            tp.partition: tp.offset for tp in consumer.position(self._partitions) if tp.offset >= 0
        }
        moved = {p: o for p, o in positions.items() if o != self._stored.get(p)}
        if not moved:
            return
        decoded = self._decode(messages)
        try:
            try:
                self._write([e for _, events in decoded for e in events], moved)
            except Exception as e:
                if condemned(e) is None:
                    raise
                log.warning(
                    "batch refused; its records one transaction each", extra={"error": str(e)}
                )
                self._write_each(decoded, moved)
        except BaseException:
            self._assign_stored()  # what did not commit must be read again
            raise
        self.batches += 1

    def _write(self, events: list[HistoryRecord], offsets: dict[int, int]) -> None:
        """Fold ``events`` into their rows and store them with ``offsets``, all or nothing."""
        conn = self._open_conn()
        with conn.transaction():
            rows = store.rows_for_update(conn, {e.execution_id for e in events})
            inputs = {i: row.input for i, row in rows.items()}
            applied = fold_all(rows, events)
            changed = {e.execution_id for e in applied}
            store.save_rows(conn, (rows[i] for i in sorted(changed)))
            store.save_words(conn, (i for i in changed if rows[i].input is not inputs.get(i)))
            store.insert_history(conn, applied)
            store.save_offsets(conn, PROJECTION, self.topic, offsets)
        self._stored.update(offsets)
        self.applied += len(applied)

    def _write_each(
        self, decoded: list[tuple[Consumed, list[HistoryRecord]]], moved: dict[int, int]
    ) -> None:
        """Each record in a transaction of its own: the one refused goes to the dead-letter
        topic; then the batch's positions (past transaction markers) are stored."""
        for record, events in decoded:
            after = {record.partition: record.offset + 1}
            try:
                self._write(events, after)
            except Exception as e:
                if (poison := condemned(e)) is None:
                    raise
                self.refused += 1
                self._dead_letters().send(record, poison)
                self._write([], after)
        self._write([], moved)

    def _decode(self, messages: list[Message]) -> list[tuple[Consumed, list[HistoryRecord]]]:
        """Each record with its events; those that cannot be decoded are dead-lettered."""
        decoded: list[tuple[Consumed, list[HistoryRecord]]] = []
        for message in messages:
            record = Consumed.of(message)
            try:
                decoded.append((record, history_records(record.decode(self._codec).envelope)))
            except DecodeError as e:
                self.undecodable += 1
                self._dead_letters().send(record, e)
        return decoded

    def _dead_letters(self) -> DeadLetters:
        if self._dead is None:
            raise RuntimeError("use the projector inside a `with` block")
        return self._dead

    def _assign_stored(self) -> None:
        """Read every partition from the offset stored in PostgreSQL (or its beginning)."""
        self._open_consumer().assign(
            [
                TopicPartition(
                    tp.topic, tp.partition, self._stored.get(tp.partition, OFFSET_BEGINNING)
                )
                for tp in self._partitions
            ]
        )

    def _open_consumer(self) -> Consumer:
        if self._consumer is None:
            raise RuntimeError("use the projector inside a `with` block")
        return self._consumer

    def _open_conn(self) -> store.Connection:
        if self._conn is None:
            raise RuntimeError("use the projector inside a `with` block")
        return self._conn


def rebuild(
    settings: OrderloomSettings, *, schema: str | None = None, timeout_s: float = 600.0
) -> int:
    """Empty the read model and project the whole topic again; the number of events applied."""
    with ExecutionsProjector(settings, schema=schema) as projector:
        projector.reset()
        projector.catch_up(timeout_s)
        return projector.applied
