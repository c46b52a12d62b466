"""The loop of a service whose state lives in PostgreSQL: consume, transact, commit, relay.

Each batch of records is handled in one PostgreSQL transaction, which also records each
record's id as processed and queues what it answers in the outbox. Offsets are committed
to Kafka after that transaction, and the relay publishes the outbox after that. A crash before
the commit redelivers records whose id is already processed: they are skipped, and their
answers, committed with them, are still in the outbox. A record that cannot be decoded,
or whose type the service does not take, goes to ``<topic>.dlq`` through the outbox too.

A batch the handler cannot apply because of one of its records (PostgreSQL refuses a value
as data, an answer does not fit its schema or the broker) is handled again one record per
transaction. The record at fault is marked processed and dead-lettered with the reason, and
a task request is answered ``TaskFailed`` so that its execution fails visibly. Errors that
may pass (a lost connection, a serialization failure) stop the consumer, which reads the
batch again when started again; a deadlock is retried at once, record by record.

The service's handler gets the batch's new records together, in the order they were read,
so it can read and write its state for all of them in a few statements, not a few each.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

import psycopg
from confluent_kafka import Consumer, TopicPartition

from orderloom.errors import PoisonRecord
from orderloom.events.codec import DecodeError, EventCodec
from orderloom.events.envelope import Envelope
from orderloom.health import Progress
from orderloom.kafka.config import consumer_config
from orderloom.kafka.dead_letters import log_dead_letter
from orderloom.kafka.records import Consumed, Received, usable
from orderloom.outbox import store
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.store import Connection
from orderloom.outbox.tasks import POISON_INPUT, TASK_REQUESTED, Task, answer
from orderloom.outbox.writer import OutboxWriter
from orderloom.poison import condemned
from orderloom.settings import KafkaSettings

log = logging.getLogger(__name__)

MessageId = Callable[[Envelope], str]
"""The id under which a record counts as processed (a redelivery has the same one)."""

MAX_ID_CHARS = 600
"""Longer message ids are stored by their digest: a btree key holds at most 2,704 bytes
and a character takes up to four."""

Handler = Callable[[Connection, OutboxWriter, list[Received]], None]
"""Handles records never processed before, in the caller's transaction; queues its answers."""


def envelope_id(envelope: Envelope) -> str:
    return envelope.id


class OutboxConsumer:
    """Consumes the topics of ``accepts`` (keys: deployed topic name, record type).

    It owns ``conn`` and ``relay`` and closes them when ``run`` ends.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        conn: Connection,
        *,
        group_id: str,
        accepts: dict[tuple[str, str], MessageId],
        handler: Handler,
        codec: EventCodec,
        relay: OutboxRelay,
        batch_size: int = 200,
        poll_s: float = 0.2,
    ) -> None:
        self._consumer = Consumer(consumer_config(kafka, group_id))
        self._conn, self._accepts, self._handler, self._codec = conn, accepts, handler, codec
        self._outbox, self._relay = OutboxWriter(codec), relay
        self._batch_size, self._poll_s = batch_size, poll_s
        self._source = f"orderloom/{group_id}"
        self.handled = 0
        self.progress = Progress()
        """What ``/healthz`` and ``/readyz`` report (``orderloom.health``)."""

    def run(self, stop: threading.Event) -> None:
        """Until ``stop``: the batch under way is finished and committed before leaving."""
        self._consumer.subscribe(
            sorted({topic for topic, _ in self._accepts}),
            on_assign=lambda _c, _p: self.progress.assigned(),
            on_revoke=lambda _c, _p: self.progress.revoked(),
        )
        try:
            while not stop.is_set():
                messages = self._consumer.consume(self._batch_size, self._poll_s)
                self.progress.polled(len(messages), self._batch_size)
                batch = [Consumed.of(m) for m in messages if usable(m)]
                if batch:
                    self._handle(batch)
                    self._consumer.commit(offsets=_next_offsets(batch), asynchronous=False)
                self._relay.drain()
        finally:
            self._consumer.close()
            self._relay.close()
            self._conn.close()

    def _handle(self, batch: list[Consumed]) -> None:
        """The batch in one transaction: one commit for all, not one each. Should it
        deadlock with another instance's batch, or be refused because of one of its
        records, each record in a transaction of its own."""
        try:
            self.handled += self._transact(batch)
        except psycopg.errors.DeadlockDetected:
            log.warning("batch deadlocked with another instance; one record at a time")
            self._one_by_one(batch)
        except Exception as e:
            if condemned(e) is None:
                raise
            log.warning("batch refused; one record at a time", extra={"error": str(e)})
            self._one_by_one(batch)

    def _one_by_one(self, batch: list[Consumed]) -> None:
        for record in batch:
            try:
                self.handled += self._transact([record])
            except Exception as e:
                if (poison := condemned(e)) is None:
                    raise
                self._refuse(record, poison)

    def _refuse(self, record: Consumed, error: PoisonRecord) -> None:
        """Mark ``record`` processed and dead-letter it, answering the task it asks for;
        should the answer be refused as well, the dead letter alone."""
        for answering in (True, False):
            try:
                with self._conn.transaction():
                    received, key = self._identify(record)
                    if store.first_times(self._conn, [key]):
                        self._dead_letter(record, error, key)
                        if answering and received is not None:
                            self._answer_failed(received, error)
                    self._outbox.flush(self._conn)
                return
            except Exception as e:
                self._outbox.discard()
                if not answering or condemned(e) is None:
                    raise
                log.error("a refused task's answer refused too", extra={"error": str(e)})

    def _identify(self, record: Consumed) -> tuple[Received | None, str]:
        """The record decoded (None if it cannot be) and the id it counts as processed under."""
        where = f"dlq:{record.topic}/{record.partition}/{record.offset}"
        try:
            received = record.decode(self._codec)
        except DecodeError:
            return None, where
        identify = self._accepts.get((record.topic, received.envelope.type))
        return received, where if identify is None else storable(identify(received.envelope))

    def _answer_failed(self, received: Received, error: PoisonRecord) -> None:
        """A refused task request fails its task, so its execution does not wait for it."""
        envelope = received.envelope
        if envelope.type != TASK_REQUESTED:
            return
        request = Task.of(envelope)
        self._outbox.put(
            request.caller.reply_topic,
            answer(
                request.caller,
                source=self._source,
                time=envelope.time,
                causation_id=envelope.id,
                error=POISON_INPUT,
                cause=f"{error.reason}: {error.detail}",
            ),
        )

    def _transact(self, records: list[Consumed]) -> int:
        """Handle ``records`` and queue their answers, all committed together; how many
        were new."""
        try:
            with self._conn.transaction():
                fresh = self._admit(records)
                if fresh:
                    self._handler(self._conn, self._outbox, fresh)
                self._outbox.flush(self._conn)
        except BaseException:
            self._outbox.discard()
            raise
        return len(fresh)

    def _admit(self, records: list[Consumed]) -> list[Received]:
        """The records to handle: decoded, taken by the service, and not processed before
        (each id marked processed now). The others are dead-lettered or skipped."""
        admitted: list[tuple[str, Received | DecodeError, Consumed]] = []
        for record in records:
            try:
                received = record.decode(self._codec)
                identify = self._accepts.get((record.topic, received.envelope.type))
                if identify is None:
                    why = f"{received.envelope.type} on {record.topic}"
                    raise DecodeError("unexpected-type", why)
                admitted.append((storable(identify(received.envelope)), received, record))
            except DecodeError as e:
                where = f"dlq:{record.topic}/{record.partition}/{record.offset}"
                admitted.append((where, e, record))
        first = store.first_times(self._conn, [key for key, _, _ in admitted])
        fresh: list[Received] = []
        for key, outcome, record in admitted:
            if key not in first:
                continue
            first.discard(key)
            if isinstance(outcome, DecodeError):
                self._dead_letter(record, outcome, key)
            else:
                fresh.append(outcome)
        return fresh

    def _dead_letter(self, record: Consumed, error: PoisonRecord, message_id: str) -> None:
        log_dead_letter(record, error)
        self._outbox.put_record(record.dead_letter(error), message_id)


def storable(message_id: str) -> str:
    """The id as the processed table's key can hold it: one too long for its index, or with
    a NUL character, by its digest (any other id as it is)."""
    if len(message_id) <= MAX_ID_CHARS and "\x00" not in message_id:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def _next_offsets(records: list[Consumed]) -> list[TopicPartition]:
    last: dict[tuple[str, int], int] = {}
    for r in records:
        last[(r.topic, r.partition)] = max(last.get((r.topic, r.partition), -1), r.offset)
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
