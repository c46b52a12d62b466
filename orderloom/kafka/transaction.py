"""One Kafka transaction of a read-process-write loop, and its verdict when it fails.

Records are produced, their delivery awaited, the consumed offsets sent and the whole
committed, or it is aborted and the failure said as one of: fatal (the ``KafkaException``
as is, the producer is fenced), ``PoisonRecord`` (what one record is or causes can never be
written: too large, not fitting its schema) or ``RetryableError`` (trying again may pass).
Delivery errors are reported to Python only when there are some, so a transaction that
goes through pays for no callback per record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from orderloom.errors import PoisonRecord, RetryableError
from orderloom.kafka.config import transactional_producer_config
from orderloom.kafka.records import Consumed, Outgoing
from orderloom.poison import condemned, too_large
from orderloom.settings import KafkaSettings


class Transactions:
    """A transactional producer committing a consumer's offsets with what it produces."""

    def __init__(
        self, kafka: KafkaSettings, transactional_id: str, overrides: dict[str, Any]
    ) -> None:
        self._undelivered: list[KafkaError] = []
        self.producer = Producer(
            transactional_producer_config(
                kafka,
                transactional_id,
                **{
                    "delivery.report.only.error": True,
                    "on_delivery": self._not_delivered,
                    **overrides,
                },
            )
        )

    def commit(
        self, consumer: Consumer, messages: list[Consumed], effects: Callable[[], list[Outgoing]]
    ) -> None:
        """``effects()`` produced and ``messages``' offsets committed, all or nothing."""
        producer = self.producer
        producer.begin_transaction()
        self._undelivered.clear()
        try:
            for record in effects():
                _produce(producer, record)
            self._await_delivery()
            if messages:
                producer.send_offsets_to_transaction(
                    _next_offsets(messages), consumer.consumer_group_metadata(), 30
                )
            producer.commit_transaction(60)
        except KafkaException as e:
            error: KafkaError = e.args[0]
            if error.fatal():
                raise
            _abort(producer)
            if (poison := condemned(e)) is not None:
                raise poison from e
            raise RetryableError(f"transaction aborted: {error}") from e
        except BaseException as e:
            _abort(producer)
            poison = condemned(e)
            if poison is None or poison is e:
                raise
            raise poison from e

    def _await_delivery(self, timeout_s: float = 60.0) -> None:
        """Wait until every record of the transaction is written; a record the broker
        refused fails the transaction at once rather than when the commit times out."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = self.producer.flush(0.1)
            if self._undelivered:
                error = next((e for e in self._undelivered if too_large(e)), None)
                if error is not None:
                    raise PoisonRecord("too-large", str(error))
                raise RetryableError(f"record not written: {self._undelivered[0]}")
            if left == 0:
                return
            if time.monotonic() > deadline:
                raise RetryableError(f"{left} records not written in {timeout_s}s")

    def _not_delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._undelivered.append(error)


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
