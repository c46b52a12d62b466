"""Publishing from async request handlers: each record awaited by its delivery report.

One idempotent acks=all producer per process. Handlers never flush: they enqueue and
await a future that a poll thread resolves when the broker acknowledged (or refused)
that record, so concurrent requests share the producer's batches and a slow request
never waits for someone else's records.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from orderloom.errors import RetryableError
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import producer_config, topic_name
from orderloom.settings import KafkaSettings


class NotDelivered(RetryableError):
    """The broker did not acknowledge a record (in time); the caller may try again."""


class AsyncPublisher:
    """``await publish(topic, envelope)`` returns once the record is durably written."""

    def __init__(self, kafka: KafkaSettings, codec: EventCodec, **overrides: Any) -> None:
        self._kafka = kafka
        self._codec = codec
        self._producer = Producer(producer_config(kafka, **overrides))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="delivery-reports", daemon=True)
        self._thread.start()

    async def publish(self, logical_topic: str, envelope: Envelope) -> None:
        """Write ``envelope`` to the deployed name of ``logical_topic``; ``NotDelivered``
        if the broker refused it or did not answer within the producer's delivery timeout."""
        topic = topic_name(self._kafka, logical_topic)
        value, headers = self._codec.encode(envelope, topic)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def delivered(error: KafkaError | None, _message: Message) -> None:
            loop.call_soon_threadsafe(_settle, done, error)

        while True:
            try:
                self._producer.produce(
                    topic,
                    value=value,
                    key=envelope.key.encode(),
                    headers=headers,
                    on_delivery=delivered,
                )
                break
            except BufferError:
                await asyncio.sleep(0.005)
        await done

    def close(self, timeout_s: float = 30.0) -> int:
        """Stop polling and flush what is queued; returns the records left unacknowledged."""
        self._stop.set()
        self._thread.join()
        return int(self._producer.flush(timeout_s))

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.1)


def _settle(done: asyncio.Future[None], error: KafkaError | None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(NotDelivered(str(error)))
