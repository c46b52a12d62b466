"""Writing webhooks to Kafka whole or not at all: Kafka transactions, group-committed.

A few lanes per process, each a transactional acks=all producer driven by its own thread.
A request hands its records over and awaits a future. A free lane opens a transaction
with whatever is queued, takes more for up to ``linger_s`` (or until ``max_records``),
commits, and settles every waiter: all succeed when the commit did, all fail
(``NotDelivered``) when it aborted, and then none of their records is ever read
(consumers read committed only). While one lane commits, the next requests queue for
another, so many webhooks share one commit's round trips and a commit's latency does not
stall the intake. Transactional ids are the deployment's topic prefix, then
``order-intake-``, a fresh suffix per process and the lane: replicas never fence each
other, and a crashed process's open transactions are aborted by the broker after
``transaction.timeout.ms``.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from orderloom.errors import RetryableError
from orderloom.kafka.config import topic_name, transactional_producer_config
from orderloom.kafka.records import Outgoing
from orderloom.settings import KafkaSettings

log = logging.getLogger(__name__)

RECORD_OVERHEAD_BYTES = 512
"""Room kept for a record's framing and its batch's header when checking its size."""


class NotDelivered(RetryableError):
    """The transaction holding a delivery aborted (or could not start); nothing of it is
    kept, and the caller may try again."""


class TooLarge(ValueError):
    """A record bigger than the broker takes; writing it would fail every time."""


@dataclass
class _Waiter:
    records: Sequence[Outgoing]
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[None]


class TransactionalPublisher:
    """``await write(records)`` returns once the records are committed together."""

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        max_records: int,
        linger_s: float,
        max_record_bytes: int,
        lanes: int = 2,
        **overrides: Any,
    ) -> None:
        prefix = topic_name(kafka, f"order-intake-{uuid.uuid4().hex[:12]}")
        self.transactional_ids = [f"{prefix}-{lane}" for lane in range(lanes)]
        self._configs = [
            transactional_producer_config(kafka, id, **overrides) for id in self.transactional_ids
        ]
        self.max_record_bytes = max_record_bytes
        self._max_records, self._linger_s = max_records, linger_s
        self._timeout_s = float(self._configs[0].get("delivery.timeout.ms", 30_000)) / 1000
        self._queue: queue.SimpleQueue[_Waiter | None] = queue.SimpleQueue()
        self._ready = [threading.Event() for _ in range(lanes)]
        self._lock = threading.Lock()
        self.committed = 0
        self._threads = [
            threading.Thread(target=self._run, args=(lane,), name=f"group-commit-{lane}")
            for lane in range(lanes)
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def ready(self) -> bool:
        """Whether every lane's producer can commit."""
        return all(ready.is_set() for ready in self._ready)

    def check_size(self, records: Sequence[Outgoing]) -> None:
        """``TooLarge`` if any record would exceed what the broker takes."""
        for record in records:
            size = len(record.value or b"") + len(record.key or b"") + RECORD_OVERHEAD_BYTES
            size += sum(len(name) + len(value or b"") for name, value in record.headers)
            if size > self.max_record_bytes:
                raise TooLarge(
                    f"a {record.topic} record would be about {size} bytes; "
                    f"the broker takes at most {self.max_record_bytes}"
                )

    async def write(self, records: Sequence[Outgoing]) -> None:
        """Commit ``records`` in one transaction (shared with other callers');
        ``NotDelivered`` if it aborted."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Waiter(records, loop, done))
        await done

    def close(self) -> int:
        """Finish the open transaction and stop; the writes failed for want of time."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        left = 0
        while not self._queue.empty():
            waiter = self._queue.get_nowait()
            if waiter is not None:
                left += len(waiter.records)
                _settle([waiter], NotDelivered("the intake is shutting down"))
        return left

    def _run(self, lane: int) -> None:
        stopping = False
        while not stopping:
            producer = self._start(lane)
            if producer is None:
                stopping = self._fail_queued_until_stop()
                continue
            stopping = self._commit_loop(producer)
            self._ready[lane].clear()
            producer.flush(self._timeout_s)

    def _start(self, lane: int) -> Producer | None:
        """The lane's producer with its transactions initialised, or None if the broker
        could not be reached in time."""
        try:
            producer = Producer(self._configs[lane])
            producer.init_transactions(self._timeout_s)
        except KafkaException as e:
            log.error("transactional producer not ready", extra={"error": str(e)})
            self._ready[lane].clear()
            return None
        self._ready[lane].set()
        return producer

    def _fail_queued_until_stop(self) -> bool:
        """With no producer: fail what is queued for a second, then try again."""
        deadline = time.monotonic() + 1.0
        while (left := deadline - time.monotonic()) > 0:
            try:
                waiter = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if waiter is None:
                return True
            _settle([waiter], NotDelivered("the transactional producer is not ready"))
        return False

    def _commit_loop(self, producer: Producer) -> bool:
        """Group-commit until stopped (True) or the producer is unusable (False)."""
        while True:
            first = self._queue.get()
            if first is None:
                return True
            batch, stopping = self._gather(first)
            try:
                self._transact(producer, batch)
            except Exception as e:
                log.warning("transaction aborted", extra={"error": str(e)})
                _settle(batch, NotDelivered(f"transaction aborted: {e}"))
                if _fatal(e) or not _abort(producer, self._timeout_s):
                    return stopping
            else:
                with self._lock:
                    self.committed += 1
                _settle(batch, None)
            if stopping:
                return True

    def _gather(self, first: _Waiter) -> tuple[list[_Waiter], bool]:
        """``first`` and what arrives within the linger, up to ``max_records``; and
        whether the stop sign was met."""
        batch, count = [first], len(first.records)
        deadline = time.monotonic() + self._linger_s
        while count < self._max_records:
            try:
                waiter = self._queue.get_nowait()
            except queue.Empty:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    waiter = self._queue.get(timeout=left)
                except queue.Empty:
                    break
            if waiter is None:
                return batch, True
            batch.append(waiter)
            count += len(waiter.records)
        return batch, False

    def _transact(self, producer: Producer, batch: list[_Waiter]) -> None:
        producer.begin_transaction()
        for waiter in batch:
            for record in waiter.records:
                _produce(producer, record)
        producer.commit_transaction(self._timeout_s)


def _produce(producer: Producer, record: Outgoing) -> None:
    while True:
        try:
            producer.produce(
                record.topic, value=record.value, key=record.key, headers=record.headers
            )
            return
        except BufferError:
            producer.poll(0.05)


def _fatal(error: Exception) -> bool:
    if not isinstance(error, KafkaException):
        return False
    kafka_error: KafkaError = error.args[0]
    return bool(kafka_error.fatal())


def _abort(producer: Producer, timeout_s: float) -> bool:
    """Abort the open transaction; False if the producer cannot go on."""
    try:
        producer.abort_transaction(timeout_s)
    except KafkaException as e:
        log.error("transaction not aborted", extra={"error": str(e)})
        return False
    return True


def _settle(waiters: list[_Waiter], error: Exception | None) -> None:
    """Wake each event loop once for all its waiters (not once per waiter)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for waiter in waiters:
        by_loop.setdefault(waiter.loop, []).append(waiter.done)
    for loop, futures in by_loop.items():
        loop.call_soon_threadsafe(_resolve, futures, error)


def _resolve(futures: list[asyncio.Future[None]], error: Exception | None) -> None:
    for done in futures:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
