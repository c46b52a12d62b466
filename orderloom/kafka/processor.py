"""Exactly-once read-process-write: consumed offsets and produced records in one transaction.

Records are consumed in batches (as Kafka Streams does with its commit interval), decoded,
handed to the handler, and the handler's output, any dead letters and the batch's offsets
are committed atomically. A record that cannot be decoded goes to its topic's dead-letter
topic in the same transaction, and the batch moves on. If the transaction cannot commit it
is aborted and the batch is read again, so nothing is lost and nothing is doubled.

A batch that fails because of what one of its records causes (an effect that does not fit
its schema or its topic) is done again one record per transaction: the record at fault goes
to the dead-letter topic, with what the handler's ``refused`` adds (a runner fails the
execution), and the others go through. Batches that do not fail pay nothing for this.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from confluent_kafka import (
    Consumer,
    TopicPartition,
)

from orderloom.errors import PoisonRecord, RetryableError
from orderloom.events.codec import DecodeError, EventCodec
from orderloom.health import Progress
from orderloom.kafka.config import consumer_config
from orderloom.kafka.dead_letters import log_dead_letter
from orderloom.kafka.records import Consumed, Outgoing, Received, usable
from orderloom.kafka.transaction import Transactions
from orderloom.settings import KafkaSettings

log = logging.getLogger(__name__)
Handler = Callable[[list[Received]], Sequence[Outgoing]]


@runtime_checkable
class BatchHandler(Protocol):
    """A handler with state: it learns when its work commits, aborts, or changes owner.

    A stateful handler keeps what a batch changed aside until ``committed``; on ``aborted``
    it forgets it, because the batch will be read again.
    """

    def handle(self, batch: list[Received]) -> Sequence[Outgoing]: ...

    def due(self) -> Sequence[Outgoing]:
        """Records to produce although nothing was consumed (timers that fell due)."""
        ...

    def committed(self) -> None: ...

    def aborted(self) -> None: ...

    def refused(self, record: Received, error: PoisonRecord) -> Sequence[Outgoing]:
        """Records to produce besides the dead letter of a record that cannot be applied."""
        ...

    def assigned(self, partitions: list[TopicPartition]) -> None: ...

    def revoked(self, partitions: list[TopicPartition]) -> None: ...


class Stateless:
    """A plain function as a ``BatchHandler``."""

    def __init__(self, function: Handler) -> None:
        self.handle = function

    def due(self) -> Sequence[Outgoing]:
        return ()

    def committed(self) -> None:
        pass

    def aborted(self) -> None:
        pass

    def refused(self, record: Received, error: PoisonRecord) -> Sequence[Outgoing]:
        return ()

    def assigned(self, partitions: list[TopicPartition]) -> None:
        pass

    def revoked(self, partitions: list[TopicPartition]) -> None:
        pass


def stop_on_sigterm(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask the loop to finish its transaction and leave."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


class TransactionalProcessor:
    """Consume ``topics`` as ``group_id``; for each batch, produce ``handler``'s records."""

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        group_id: str,
        topics: list[str],
        transactional_id: str,
        codec: EventCodec,
        handler: Handler | BatchHandler,
        batch_size: int = 500,
        commit_interval_s: float = 0.1,
        consumer_overrides: dict[str, Any] | None = None,
        producer_overrides: dict[str, Any] | None = None,
    ) -> None:
        self._consumer = Consumer(consumer_config(kafka, group_id, **(consumer_overrides or {})))
        self._transactions = Transactions(kafka, transactional_id, producer_overrides or {})
        self._topics, self._codec = topics, codec
        self._handler = handler if isinstance(handler, BatchHandler) else Stateless(handler)
        self._batch_size, self._interval = batch_size, commit_interval_s
        self.committed_batches = 0
        self.progress = Progress()
        """Health hook: what ``/healthz`` and ``/readyz`` report (``orderloom.health``)."""

    def run(self, stop: threading.Event) -> None:
        """Process until ``stop`` is set; the open transaction is always finished first."""
        self._transactions.producer.init_transactions(30)
        self._consumer.subscribe(
            self._topics,
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
        )
        failures = 0
        try:
            while not stop.is_set():
                messages = self._poll(self._batch_size, self._interval)
                self.progress.polled(len(messages), self._batch_size)
                due = self._handler.due()
                if not messages and not due:
                    continue
                try:
                    try:
                        self._transact(messages, due)
                    except PoisonRecord as e:
                        self._handler.aborted()
                        log.warning(
                            "batch refused; its records one transaction each",
                            extra={"error": str(e), "records": len(messages)},
                        )
                        self._isolate(messages)
                    else:
                        self.committed_batches += 1
                        self._handler.committed()
                except RetryableError as e:
                    failures += 1
                    log.warning(
                        "transaction aborted; the batch will be read again",
                        extra={"error": str(e), "attempt": failures},
                    )
                    self._handler.aborted()
                    time.sleep(min(5.0, 0.05 * 2**failures))
                    continue
                failures = 0
        finally:
            self._consumer.close()
            self._transactions.producer.flush(10)

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.assigned()
        self._handler.assigned(partitions)

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.revoked()
        self._handler.revoked(partitions)

    def _transact(self, messages: list[Consumed], due: Sequence[Outgoing]) -> None:
        """The batch and its effects in one transaction, or ``RetryableError`` (the batch
        is rewound) or ``PoisonRecord`` (nothing committed, nothing rewound)."""

        try:
            self._commit(messages, self._effects(messages, due))
        except RetryableError:
            self._rewind(messages)
            raise

    def _commit(self, messages: list[Consumed], effects: Callable[[], list[Outgoing]]) -> None:
        self._transactions.commit(self._consumer, messages, effects)

    def _effects(
        self, messages: list[Consumed], due: Sequence[Outgoing]
    ) -> Callable[[], list[Outgoing]]:
        """What handling ``messages`` produces, worked out inside the transaction."""

        def effects() -> list[Outgoing]:
            received, dead = self._decode(messages)
            return [*dead, *due, *self._handler.handle(received)]

        return effects

    def _isolate(self, messages: list[Consumed]) -> None:
        """Each record in a transaction of its own; the one at fault is dead-lettered."""
        for index, record in enumerate(messages):
            try:
                try:
                    self._commit_again([record], self._effects([record], ()))
                except PoisonRecord as e:
                    self._handler.aborted()
                    self._refuse(record, e)
            except RetryableError:
                self._rewind(messages[index:])
                raise
            self.committed_batches += 1
            self._handler.committed()

    def _refuse(self, record: Consumed, error: PoisonRecord) -> None:
        """The record to its dead-letter topic with what the handler adds for it; should
        those additions not go through, the dead letter alone, and should that be too
        large as well, the dead letter without the record's value."""
        log_dead_letter(record, error)
        dead = record.dead_letter(error)
        received = record.decode(self._codec)
        attempts: list[Callable[[], list[Outgoing]]] = [
            lambda: [dead, *self._handler.refused(received, error)],
            lambda: [dead],
        ]
        for attempt in attempts:
            try:
                self._commit_again([record], attempt)
                return
            except PoisonRecord as e:
                self._handler.aborted()
                log.error("a refused record's dead letter refused too", extra={"error": str(e)})
        self._commit_again([record], lambda: [record.dead_letter(error, with_value=False)])

    def _commit_again(
        self, messages: list[Consumed], effects: Callable[[], list[Outgoing]], tries: int = 3
    ) -> None:
        """``_commit``, tried again at once when it may pass: after the broker refused a
        record as too large, the producer's next transaction fails once (out of order
        sequence) while it bumps its epoch, and rewinding for that would refuse again."""
        for attempt in range(1, tries + 1):
            try:
                self._commit(messages, effects)
                return
            except RetryableError as e:
                self._handler.aborted()
                if attempt == tries:
                    raise
                log.warning("transaction aborted; tried again", extra={"error": str(e)})

    def _decode(self, messages: list[Consumed]) -> tuple[list[Received], list[Outgoing]]:
        received: list[Received] = []
        dead: list[Outgoing] = []
        for record in messages:
            try:
                received.append(record.decode(self._codec))
            except DecodeError as e:
                log_dead_letter(record, e)
                dead.append(record.dead_letter(e))
        return received, dead

    def _rewind(self, messages: list[Consumed]) -> None:
        """Seek every partition of the aborted batch back to its first record."""
        first: dict[tuple[str, int], int] = {}
        for m in messages:
            tp = (m.topic, m.partition)
            first[tp] = min(first.get(tp, m.offset), m.offset)
        for (topic, partition), offset in first.items():
            self._consumer.seek(TopicPartition(topic, partition, offset))

    def _poll(self, limit: int, timeout_s: float) -> list[Consumed]:
        return [Consumed.of(m) for m in self._consumer.consume(limit, timeout_s) if usable(m)]
