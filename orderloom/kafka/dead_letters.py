"""Dead letters of a consumer that keeps its offsets in PostgreSQL, not in Kafka.

Such a consumer cannot put a dead letter in the transaction that moves its offset, so it
writes the dead letter first and waits until the broker has it: a crash before the offset
is stored sends the record to the dead-letter topic again, it never loses it.
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from orderloom.errors import PoisonRecord, RetryableError
from orderloom.kafka.records import Consumed, Outgoing
from orderloom.poison import too_large

log = logging.getLogger(__name__)


class _TooLarge(Exception):
    """The dead letter is over what the producer or the topic takes."""


class DeadLetters:
    """Owns ``producer`` (idempotent, acks=all) and closes it."""

    def __init__(self, producer: Producer, timeout_s: float = 30.0) -> None:
        self._producer, self._timeout_s = producer, timeout_s

    def send(self, record: Consumed, error: PoisonRecord) -> None:
        """``record`` on ``<topic>.dlq`` with the reason, written before this returns
        (without its value, its size said instead, when it is too large for that)."""
        log_dead_letter(record, error)
        try:
            self._write(record.dead_letter(error))
        except _TooLarge:
            self._write(record.dead_letter(error, with_value=False))

    def _write(self, letter: Outgoing) -> None:
        failures: list[KafkaError] = []

        def delivered(failure: KafkaError | None, _message: Message) -> None:
            if failure is not None:
                failures.append(failure)

        try:
            self._producer.produce(
                letter.topic,
                key=letter.key,
                value=letter.value,
                headers=letter.headers,
                on_delivery=delivered,
            )
        except KafkaException as e:
            if too_large(e.args[0]):
                raise _TooLarge from e
            raise RetryableError(f"dead letter for {letter.topic} not written: {e}") from e
        left = self._producer.flush(self._timeout_s)
        if any(too_large(f) for f in failures):
            raise _TooLarge
        if left > 0 or failures:
            why = failures[0] if failures else "not acknowledged in time"
            raise RetryableError(f"dead letter for {letter.topic} not written: {why}")

    def close(self) -> None:
        self._producer.flush(self._timeout_s)


def log_dead_letter(record: Consumed, error: PoisonRecord) -> None:
    """The one log line of a record sent to its dead-letter topic: where it was, and why."""
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
