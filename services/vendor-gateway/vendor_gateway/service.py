"""The gateway wired together: Kafka feed -> intake -> vendor pools -> completion -> reply.

Intake decodes a batch on the loop, dead-letters what cannot be read, answers
unknown operations, attaches a request already in a pool to its job, and replays
requests whose completion is recorded; the rest join their vendor's pool. A
finished job is recorded in PostgreSQL, then its reply is produced, and its offset
counts as finished only once the reply is acknowledged.

No request stops intake: one whose key PostgreSQL refuses (found by asking for each
key of a refused batch alone) is answered as failed with ``Orderloom.PoisonInput`` when
a workflow waits for it and dead-lettered otherwise. A reply that does not fit its
schema or the producer's size limit is replaced by a failure saying so.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping

from orderloom.events.codec import DecodeError, EncodeError, codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.kafka.records import Consumed, Outgoing
from orderloom.outbox.tasks import POISON_INPUT
from orderloom.poison import condemned
from orderloom.settings import OrderloomSettings
from vendor_gateway.completions import CompletionStore
from vendor_gateway.config import GatewayConfig, auth_headers
from vendor_gateway.feed import RequestFeed
from vendor_gateway.jobs import Job, Position, Refusal, Result, to_job
from vendor_gateway.metrics import GatewayMetrics
from vendor_gateway.pool import VendorPool
from vendor_gateway.replies import destination, reply, reply_too_large, too_large
from vendor_gateway.status import StatusServer

log = logging.getLogger(__name__)
"""The most the feed's producer takes in one record (librdkafka's ``message.max.bytes``)."""


class Gateway:
    """One gateway process: every configured vendor's pool, fed from ``vendor.requests``."""

    def __init__(
        self,
        settings: OrderloomSettings,
        config: GatewayConfig,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        kafka = settings.kafka
        self.config = config
        self._codec = codec_for(kafka.schema_registry_url)
        self._responses = topic_name(kafka, "vendor.responses")
        self._store = CompletionStore(settings.postgres.dsn)
        self.metrics = GatewayMetrics(lambda: self.pools)
        self.pools = {
            name: VendorPool(
                name,
                vendor,
                auth_headers(name, vendor, env),
                config.prefix(name),
                self._finished,
                self.metrics,
            )
            for name, vendor in config.vendors.items()
        }
        self._feed = RequestFeed(
            kafka,
            group_id=config.group_id,
            topic=topic_name(kafka, "vendor.requests"),
            max_queued=config.max_queued,
            deliver=self._from_kafka,
        )
        self.status = StatusServer(lambda: self.pools, self.metrics.registry, self._feed.progress)
        self._inbox: asyncio.Queue[list[Consumed]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, stop: asyncio.Event, ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop`` is set; then drain in-flight requests (bounded) and commit."""
        self._loop = asyncio.get_running_loop()
        await self._store.open()
        await self.status.start(self.config.status_host, self.config.status_port)
        self._feed.start()
        intake = asyncio.create_task(self._intake())
        log.info("gateway running", extra={"vendors": list(self.pools), "port": self.status.port})
        if ready is not None:
            ready()
        try:
            await stop.wait()
        finally:
            log.info("gateway stopping: no new requests, in-flight ones finish")
            self._feed.stop_reading()
            intake.cancel()
            grace = self.config.shutdown_grace_s
            await asyncio.gather(*(pool.close(grace) for pool in self.pools.values()))
            await asyncio.to_thread(self._feed.stop)
            await self.status.stop()
            await self._store.close()
            log.info("gateway stopped")

    def _from_kafka(self, batch: list[Consumed]) -> None:
        """Called on the feed's thread: hand the batch to the loop."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._inbox.put_nowait, batch)

    async def _intake(self) -> None:
        while True:
            await self._take(await self._inbox.get())

    async def _take(self, batch: list[Consumed]) -> None:
        fresh: dict[str, dict[str, Job]] = defaultdict(dict)
        now = time.monotonic()
        for record in batch:
            position = (record.partition, record.offset)
            try:
                envelope = record.decode(self._codec).envelope
            except DecodeError as e:
                self._dead_letter(record, e)
                continue
            found = to_job(envelope, position, self.config, now)
            if isinstance(found, Refusal):
                self._refuse(record, found, envelope)
                continue
            request = found.request
            known = self.pools[request.vendor].job(request.request_id) or fresh[request.vendor].get(
                request.request_id
            )
            if known is not None:
                known.positions.append(position)
            else:
                fresh[request.vendor][request.request_id] = found
        for vendor, jobs in fresh.items():
            done = await self._found(vendor, jobs, {(r.partition, r.offset): r for r in batch})
            for job in jobs.values():
                if job.completion_key in done:
                    self._answer(job, done[job.completion_key])
                else:
                    self.pools[vendor].submit(job)

    async def _found(
        self, vendor: str, jobs: dict[str, Job], taken: dict[Position, Consumed]
    ) -> dict[str, Result]:
        """The recorded completions of ``jobs``; should PostgreSQL refuse a key, each job's
        alone, and those it refuses are refused here (and taken out of ``jobs``)."""
        try:
            return await self._store.found(vendor, (j.completion_key for j in jobs.values()))
        except Exception as e:
            if condemned(e) is None:
                raise
        done: dict[str, Result] = {}
        for request_id, job in list(jobs.items()):
            try:
                done.update(await self._store.found(vendor, [job.completion_key]))
            except Exception as e:
                if (poison := condemned(e)) is None:
                    raise
                del jobs[request_id]
                refusal = Refusal(poison.reason, poison.detail, POISON_INPUT)
                for position in job.positions:
                    self._refuse(taken[position], refusal, job.envelope)
        return done

    def _refuse(self, record: Consumed, refusal: Refusal, envelope: Envelope) -> None:
        """Answer a request refused (an unknown operation, a key PostgreSQL refuses) if
        someone waits for it; dead-letter it otherwise."""
        data = envelope.data
        if refusal.error and data.get("reply_topic") and data.get("task_token"):
            failed = Result.failed(refusal.error, refusal.detail)
            self._answer_envelope(envelope, failed, [(record.partition, record.offset)])
            return
        self._dead_letter(record, DecodeError(refusal.reason, refusal.detail))

    def _dead_letter(self, record: Consumed, error: DecodeError) -> None:
        log.error(
            "request sent to the dead-letter topic",
            extra={"partition": record.partition, "offset": record.offset, "reason": error.reason},
        )
        self._feed.send(record.dead_letter(error), [(record.partition, record.offset)])

    async def _finished(self, job: Job, result: Result) -> None:
        """Record the result, then answer with it; one that no reply can carry (too large,
        or refused by its schema) fails instead. A result PostgreSQL refuses is answered all
        the same (a redelivery of its request then calls the vendor again, with its key)."""
        result, record = self._carried(job.envelope, result, job.request.vendor)
        try:
            await self._store.record(job.request.vendor, job.completion_key, result)
        except Exception as e:
            if condemned(e) is None:
                raise
            log.error("completion not recorded", extra={"error": str(e)})
        self._feed.send(record, job.positions)

    def _answer(self, job: Job, result: Result) -> None:
        self._feed.send(self._carried(job.envelope, result, job.request.vendor)[1], job.positions)

    def _answer_envelope(
        self, envelope: Envelope, result: Result, positions: list[Position]
    ) -> None:
        self._feed.send(self._carried(envelope, result, None)[1], positions)

    def _carried(
        self, envelope: Envelope, result: Result, vendor: str | None
    ) -> tuple[Result, Outgoing]:
        """The result as it will be answered, and its reply record: a reply over what a
        topic takes becomes ``<vendor>.ReplyTooLarge``, one its schema refuses a failure
        saying so."""
        topic, token = destination(envelope, self._responses)
        try:
            record = Outgoing.event(self._codec, topic, reply(envelope, result, token))
        except EncodeError as e:
            log.error("reply cannot be written; a failure goes instead", extra={"error": str(e)})
            result = Result.failed(POISON_INPUT, f"the vendor's answer cannot be carried: {e}")
            return result, Outgoing.event(self._codec, topic, reply(envelope, result, token))
        if too_large(record):
            prefix = self.config.prefix(vendor) if vendor else POISON_INPUT.partition(".")[0]
            result = reply_too_large(prefix)
            record = Outgoing.event(self._codec, topic, reply(envelope, result, token))
        return result, record
