"""Publishing envelopes outside a transaction (intake edges, tools): idempotent, acks=all."""

from __future__ import annotations

from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from orderloom.errors import RetryableError
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import producer_config
from orderloom.settings import KafkaSettings


class EventProducer:
    """Envelopes to topics; ``flush`` says whether every one of them is durably written."""

    def __init__(self, kafka: KafkaSettings, codec: EventCodec, **overrides: Any) -> None:
        self._producer = Producer(producer_config(kafka, **overrides))
        self._codec = codec
        self._failures: list[str] = []

    def publish(self, topic: str, envelope: Envelope) -> None:
        value, headers = self._codec.encode(envelope, topic)
        while True:
            try:
                self._producer.produce(
                    topic,
                    value=value,
                    key=envelope.key.encode(),
                    headers=headers,
                    on_delivery=self._delivered,
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait for every acknowledgement; raise if any record was not written."""
        left = self._producer.flush(timeout_s)
        failures, self._failures = self._failures, []
        if left or failures:
            raise RetryableError(
                f"{left} records unacknowledged, {len(failures)} failed: " + "; ".join(failures[:3])
            )

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._failures.append(str(error))
