"""The loop of a service whose state lives in PostgreSQL: consume, transact, commit, relay.

Each batch of records is handled in one PostgreSQL transaction, which also records each
record's id as processed and queues what it answers in the outbox. Offsets are committed
to Kafka after that transaction, and the relay publishes the outbox after that. A crash before
the commit redelivers records whose id is already processed: they are skipped, and their
answers, committed with them, are still in the outbox. A record that cannot be decoded,
or whose type has no route, goes to ``<topic>.dlq`` through the outbox too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from confluent_kafka import Consumer, TopicPartition

from orderloom.events.codec import DecodeError, EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config
from orderloom.kafka.records import Consumed, Received, usable
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.store import Connection
from orderloom.outbox.writer import OutboxWriter
from orderloom.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """How to handle one record type on one topic, and the id that makes it processed once."""

    handle: Callable[[Connection, Received], None]
    message_id: Callable[[Envelope], str] = lambda envelope: envelope.id


class OutboxConsumer:
    """Consumes the topics of ``routes`` (keys: deployed topic name, record type).

    It owns ``conn`` and ``relay`` and closes them when ``run`` ends.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        conn: Connection,
        *,
        group_id: str,
        routes: dict[tuple[str, str], Route],
        codec: EventCodec,
        relay: OutboxRelay,
        batch_size: int = 200,
        poll_s: float = 0.2,
    ) -> None:
        self._consumer = Consumer(consumer_config(kafka, group_id))
        self._conn, self._routes, self._codec = conn, routes, codec
        self._writer, self._relay = OutboxWriter(codec), relay
        self._batch_size, self._poll_s = batch_size, poll_s
        self.handled = 0

    def run(self, stop: threading.Event) -> None:
        """Until ``stop``: the batch under way is finished and committed before leaving."""
        self._consumer.subscribe(sorted({topic for topic, _ in self._routes}))
        try:
            while not stop.is_set():
                messages = self._consumer.consume(self._batch_size, self._poll_s)
                batch = [Consumed.of(m) for m in messages if usable(m)]
                if batch:
                    done = self._handle(batch, stop)
                    self._consumer.commit(offsets=_next_offsets(done), asynchronous=False)
                self._relay.drain()
        finally:
            self._consumer.close()
            self._relay.close()
            self._conn.close()

    def _handle(self, batch: list[Consumed], stop: threading.Event) -> list[Consumed]:
        """The batch in one transaction: one commit for all, not one each. Should it
        deadlock with another instance's batch, each record in a transaction of its own."""
        try:
            with self._conn.transaction():
                done, handled = self._process_all(batch, stop)
        except psycopg.errors.DeadlockDetected:
            log.warning("batch deadlocked with another instance; one record at a time")
            done, handled = [], 0
            for record in batch:
                with self._conn.transaction():
                    handled += self._process(record)
                done.append(record)
                if stop.is_set():
                    break
        self.handled += handled
        return done

    def _process_all(
        self, batch: list[Consumed], stop: threading.Event
    ) -> tuple[list[Consumed], int]:
        done, handled = [], 0
        for record in batch:
            handled += self._process(record)
            done.append(record)
            if stop.is_set():
                break
        return done, handled

    def _process(self, record: Consumed) -> bool:
        """Handle one record in the transaction under way; False if it was seen before."""
        try:
            received = record.decode(self._codec)
            route = self._routes.get((record.topic, received.envelope.type))
            if route is None:
                raise DecodeError("unexpected-type", f"{received.envelope.type} on {record.topic}")
        except DecodeError as e:
            self._dead_letter(record, e)
            return False
        if not self._writer.first_time(self._conn, route.message_id(received.envelope)):
            return False
        route.handle(self._conn, received)
        return True

    def _dead_letter(self, record: Consumed, error: DecodeError) -> None:
        log.error(
            "record sent to the dead-letter topic",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": error.reason,
                "error": error.detail,
            },
        )
        where = f"dlq:{record.topic}/{record.partition}/{record.offset}"
        if self._writer.first_time(self._conn, where):
            self._writer.put_record(self._conn, record.dead_letter(error), where)


def _next_offsets(records: list[Consumed]) -> list[TopicPartition]:
    last: dict[tuple[str, int], int] = {}
    for r in records:
        last[(r.topic, r.partition)] = max(last.get((r.topic, r.partition), -1), r.offset)
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
