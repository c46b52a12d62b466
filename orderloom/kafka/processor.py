"""Exactly-once read-process-write: consumed offsets and produced records in one transaction.

Records are consumed in batches (as Kafka Streams does with its commit interval), decoded,
handed to the handler, and the handler's output, any dead letters and the batch's offsets
are committed atomically. A record that cannot be decoded goes to its topic's dead-letter
topic in the same transaction, and the batch moves on. If the transaction cannot commit it
is aborted and the batch is read again, so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from orderloom.errors import RetryableError
from orderloom.events.codec import DecodeError, EventCodec
from orderloom.health import Progress
from orderloom.kafka.config import consumer_config, transactional_producer_config
from orderloom.kafka.records import Consumed, Outgoing, Received, usable
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
        self._producer = Producer(
            transactional_producer_config(kafka, transactional_id, **(producer_overrides or {}))
        )
        self._topics, self._codec = topics, codec
        self._handler = handler if isinstance(handler, BatchHandler) else Stateless(handler)
        self._batch_size, self._interval = batch_size, commit_interval_s
        self.committed_batches = 0
        self.progress = Progress()
        """Health hook: what ``/healthz`` and ``/readyz`` report (``orderloom.health``)."""

    def run(self, stop: threading.Event) -> None:
        """Process until ``stop`` is set; the open transaction is always finished first."""
        self._producer.init_transactions(30)
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
                    self._transact(messages, due)
                except RetryableError as e:
                    failures += 1
                    log.warning(
                        "transaction aborted; the batch will be read again",
                        extra={"error": str(e), "attempt": failures},
                    )
                    self._handler.aborted()
                    self._rewind(messages)
                    time.sleep(min(5.0, 0.05 * 2**failures))
                    continue
                failures = 0
                self.committed_batches += 1
                self._handler.committed()
        finally:
            self._consumer.close()
            self._producer.flush(10)

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.assigned()
        self._handler.assigned(partitions)

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.revoked()
        self._handler.revoked(partitions)

    def _transact(self, messages: list[Consumed], due: Sequence[Outgoing]) -> None:
        producer = self._producer
        producer.begin_transaction()
        try:
            received, dead = self._decode(messages)
            for record in [*dead, *due, *self._handler.handle(received)]:
                _produce(producer, record)
            if messages:
                producer.send_offsets_to_transaction(
                    _next_offsets(messages), self._consumer.consumer_group_metadata(), 30
                )
            producer.commit_transaction(60)
        except KafkaException as e:
            error: KafkaError = e.args[0]
            if error.fatal():
                raise
            _abort(producer)
            raise RetryableError(f"transaction aborted: {error}") from e
        except BaseException:
            _abort(producer)
            raise

    def _decode(self, messages: list[Consumed]) -> tuple[list[Received], list[Outgoing]]:
        received: list[Received] = []
        dead: list[Outgoing] = []
        for record in messages:
            try:
                received.append(record.decode(self._codec))
            except DecodeError as e:
                log.error(
                    "record sent to the dead-letter topic",
                    extra={
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "reason": e.reason,
                        "error": e.detail,
                    },
                )
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


def _produce(producer: Producer, record: Outgoing) -> None:
    while True:
        try:
            producer.produce(
                record.topic, value=record.value, key=record.key, headers=record.headers
            )
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)


def _abort(producer: Producer) -> None:
    try:
        producer.abort_transaction(30)
    except KafkaException as e:
        if e.args[0].fatal():
            raise


def _next_offsets(messages: list[Consumed]) -> list[TopicPartition]:
    """Per partition, the offset after the last record of the batch."""
    last: dict[tuple[str, int], int] = {}
    for m in messages:
        tp = (m.topic, m.partition)
        last[tp] = max(last.get(tp, -1), m.offset)
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
