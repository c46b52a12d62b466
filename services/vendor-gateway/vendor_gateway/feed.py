"""The Kafka side of the gateway, on a thread of its own: read, pause, produce, commit.

confluent-kafka's consumer blocks, so one thread owns it and hands each batch to
the asyncio loop. Replies and dead letters are produced from the loop (librdkafka's
producer is thread-safe); their delivery reports arrive here and finish the offsets
of the requests they answer. Per partition, the committed offset is the lowest
offset not finished yet (``OffsetTracker``): a crash re-reads every request whose
answer is not durably on Kafka, and nothing below it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from orderloom.health import Progress
from orderloom.kafka.config import consumer_config, producer_config
from orderloom.kafka.records import Consumed, Outgoing
from orderloom.settings import KafkaSettings
from vendor_gateway.jobs import Position
from vendor_gateway.offsets import OffsetTracker

log = logging.getLogger(__name__)
COMMIT_INTERVAL_S = 0.5
BATCH = 500
RESUME_AT = 0.8
"""Paused partitions resume once the unfinished requests fall below this share of the limit."""


class RequestFeed:
    """Reads ``topic`` as ``group_id``; ``deliver`` gets each batch (on this thread)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        group_id: str,
        topic: str,
        max_queued: int,
        deliver: Callable[[list[Consumed]], None],
    ) -> None:
        self._consumer = Consumer(
            consumer_config(kafka, group_id, **{"session.timeout.ms": 10_000})
        )
        self._producer = Producer(producer_config(kafka))
        self._topic, self._max, self._deliver = topic, max_queued, deliver
        self._offsets = OffsetTracker()
        self._lock = threading.Lock()
        self._unfinished = 0
        self._assigned: list[TopicPartition] = []
        self._paused = False
        self._committed: dict[int, int] = {}
        self._reading = threading.Event()
        self._reading.set()
        self._stop = threading.Event()
        self.progress = Progress()
        """What the status server's ``/healthz`` and ``/readyz`` report."""
        self._thread = threading.Thread(target=self._run, name="kafka-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop_reading(self) -> None:
        """Take no new requests (shutdown); replies and commits go on."""
        self._reading.clear()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Flush every reply, commit what is finished, leave the group."""
        self._stop.set()
        self._thread.join(timeout_s)

    def send(self, record: Outgoing, positions: list[Position]) -> None:
        """Produce ``record``; once it is acknowledged, ``positions`` are finished."""

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                log.warning("reply not written; producing it again", extra={"error": str(error)})
                self.send(record, positions)
                return
            self._finish(positions)

        while True:
            try:
                self._producer.produce(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=record.headers,
                    on_delivery=delivered,
                )
                return
            except BufferError:
                time.sleep(0.01)

    def finish(self, positions: list[Position]) -> None:
        """Finish positions that need no reply (a duplicate of a request already answered)."""
        self._finish(positions)

    def _finish(self, positions: list[Position]) -> None:
        with self._lock:
            for partition, offset in positions:
                try:
                    self._offsets.finish(partition, offset)
                except ValueError:
                    continue  # its partition was revoked; it will be read again
                self._unfinished -= 1

    def _run(self) -> None:
        self._consumer.subscribe(
            [self._topic], on_assign=self._assigned_to, on_revoke=self._revoked
        )
        last_commit = time.monotonic()
        try:
            while not self._stop.is_set():
                self._regulate()
                messages = self._consumer.consume(BATCH, 0.1)
                self.progress.polled(len(messages), BATCH)
                batch = [Consumed.of(m) for m in messages if _usable(m)]
                if batch:
                    with self._lock:
                        for record in batch:
                            self._offsets.start(record.partition, record.offset)
                        self._unfinished += len(batch)
                    self._deliver(batch)
                self._producer.poll(0)
                if time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                    self._commit()
                    last_commit = time.monotonic()
        finally:
            left = self._producer.flush(30)
            if left:
                log.error("replies not acknowledged at exit", extra={"records": left})
            self._producer.poll(0)
            self._commit()
            self._consumer.close()

    def _regulate(self) -> None:
        """Pause every partition while the local queue is full (or reading stopped)."""
        with self._lock:
            unfinished = self._unfinished
        full = unfinished >= self._max or not self._reading.is_set()
        if full and not self._paused and self._assigned:
            self._consumer.pause(self._assigned)
            self._paused = True
        elif self._paused and self._reading.is_set() and unfinished < self._max * RESUME_AT:
            self._consumer.resume(self._assigned)
            self._paused = False

    def _commit(self, partitions: list[int] | None = None) -> None:
        with self._lock:
            wanted = {
                p: o
                for p in (self._offsets.partitions() if partitions is None else partitions)
                if (o := self._offsets.committable(p)) is not None and self._committed.get(p) != o
            }
        if not wanted:
            return
        try:
            self._consumer.commit(
                offsets=[TopicPartition(self._topic, p, o) for p, o in wanted.items()],
                asynchronous=False,
            )
        except KafkaException as e:
            log.warning("offset commit failed; retried later", extra={"error": str(e)})
            return
        self._committed.update(wanted)

    def _assigned_to(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.assigned()
        self._assigned = list(partitions)
        if self._paused:
            self._consumer.pause(self._assigned)

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.progress.revoked()
        numbers = [tp.partition for tp in partitions]
        self._commit(numbers)
        with self._lock:
            for p in numbers:
                self._unfinished -= self._offsets.in_flight(p)
                self._offsets.revoke(p)
                self._committed.pop(p, None)
        self._assigned = []


def _usable(message: Message) -> bool:
    """A record to handle (True), or a passing condition to skip; any other error raises.

    A topic created a moment ago can be unknown to the broker the consumer asks
    first: librdkafka asks again, so that is passing too, not a reason to stop reading.
    """
    error = message.error()
    if error is None:
        return True
    if error.code() == KafkaError._PARTITION_EOF:
        return False
    if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
        log.warning("requests topic not known to the broker yet", extra={"error": str(error)})
        return False
    raise KafkaException(error)
