"""One vendor's pool: admission, attempts, retries, and the live figures of it all.

The ``LaneScheduler`` is the only door to the vendor: a request is sent only while
it holds a slot, the slot is freed when the attempt ends, and the HTTP client
under it has exactly ``cap`` connections, so in flight never exceeds the cap. A
request waiting out a backoff holds no slot (others use it meanwhile) and queues
again at the back of its lane.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from vendor_gateway.breaker import Admission, BreakerState, CircuitBreaker
from vendor_gateway.calls import VendorClient
from vendor_gateway.config import VendorSettings
from vendor_gateway.jobs import Job, Result
from vendor_gateway.lanes import LaneScheduler, PoolView
from vendor_gateway.limiter import AimdLimiter
from vendor_gateway.metrics import GatewayMetrics
from vendor_gateway.model import ERROR_NAMES, Outcome
from vendor_gateway.replies import http_cause
from vendor_gateway.retry import Verdict

Finish = Callable[[Job, Result], Awaitable[None]]


class VendorPool:
    """Runs the jobs of one vendor; ``finish`` is told each job's final result."""

    def __init__(
        self,
        name: str,
        settings: VendorSettings,
        headers: dict[str, str],
        prefix: str,
        finish: Finish,
        metrics: GatewayMetrics,
    ) -> None:
        self.name, self._prefix, self._finish, self._metrics = name, prefix, finish, metrics
        self.scheduler = LaneScheduler(
            settings.cap, settings.reserved_sync_slots, lend_reserve=settings.lend_reserved_slots
        )
        self.limiter = AimdLimiter(
            settings.cap,
            decrease_cooldown=settings.limiter.decrease_cooldown_s,
            quiet_period=settings.limiter.quiet_period_s,
        )
        b = settings.breaker
        self.breaker = CircuitBreaker(b.failure_threshold, b.window_s, b.open_for_s)
        self._policy = settings.retry.policy()
        self._client = VendorClient(settings, headers)
        self._rng = random.Random()
        self._jobs: dict[str, Job] = {}
        self._backoffs: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def job(self, request_id: str) -> Job | None:
        """The job of a request queued, running or waiting to retry here."""
        return self._jobs.get(request_id)

    def submit(self, job: Job) -> None:
        """Queue a job at the back of its lane and start whatever may start."""
        self._jobs[job.request.request_id] = job
        self.scheduler.offer(job.request)
        self._pump()

    @property
    def backing_off(self) -> int:
        """Requests waiting out a backoff before their next attempt."""
        return len(self._backoffs)

    def view(self) -> PoolView:
        return self.scheduler.view()

    def circuit(self) -> BreakerState:
        return self.breaker.state(time.monotonic())

    def where(self, request_id: str) -> dict[str, Any] | None:
        """Why a request waits: its lane and place in the queue, or that it runs or backs off."""
        job = self._jobs.get(request_id)
        if job is None:
            return None
        found: dict[str, Any] = {"lane": job.request.lane.value, "attempt": job.attempt + 1}
        position = self.scheduler.position(request_id)
        if position is not None:
            return {**found, "state": "queued", "position": position}
        if request_id in self._backoffs:
            left = self._backoffs[request_id].when() - asyncio.get_running_loop().time()
            return {**found, "state": "backing_off", "retry_in_s": round(max(0.0, left), 3)}
        return {**found, "state": "in_flight"}

    async def close(self, grace_s: float) -> None:
        """Start nothing more; let attempts under way end within ``grace_s``, then cut them.

        Queued and backing-off jobs are dropped: their offsets stay uncommitted and
        the requests are read again by the next gateway.
        """
        self._closing = True
        for job in list(self._jobs.values()):
            if self.scheduler.withdraw(job.request.request_id) is not None:
                del self._jobs[job.request.request_id]
        for handle in self._backoffs.values():
            handle.cancel()
        self._backoffs.clear()
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._client.close()

    def _pump(self) -> None:
        if self._closing:
            return
        for request in self.scheduler.start_ready():
            task = asyncio.create_task(self._attempt(self._jobs[request.request_id]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _attempt(self, job: Job) -> None:
        request, now = job.request, time.monotonic()
        if job.attempt == 0:
            self._metrics.wait.labels(self.name, request.lane.value).observe(now - job.queued_at)
        if request.deadline is not None and time.time() >= request.deadline:
            self.scheduler.finish(request.request_id)
            return await self._end(job, Result.failed(f"{self._prefix}.Timeout", "deadline passed"))
        admission = self.breaker.admit(now)
        if admission is Admission.REFUSED:
            self.scheduler.finish(request.request_id)
            return await self._end(
                job, Result.failed(f"{self._prefix}.Unavailable", "circuit open")
            )
        try:
            outcome, body = await self._client.send(request)
        finally:
            self.scheduler.finish(request.request_id)
        self._judge(job, outcome, time.monotonic() - now, admission is Admission.PROBE)
        decision = self._policy.decide(
            request, outcome, job.attempt, time.time(), self._rng.random()
        )
        if decision.verdict is Verdict.RETRY and not self._closing:
            job.attempt += 1
            self._metrics.retries.labels(self.name).inc()
            loop = asyncio.get_running_loop()
            self._backoffs[request.request_id] = loop.call_later(decision.delay, self._requeue, job)
            self._pump()
            return None
        if decision.verdict is Verdict.RETRY:
            self._jobs.pop(request.request_id, None)
            return None
        return await self._end(job, self._result(outcome, body))

    def _judge(self, job: Job, outcome: Outcome, seconds: float, probe: bool) -> None:
        """Feed an attempt's outcome to the breaker, the limiter and the metrics."""
        now = time.monotonic()
        self.breaker.record(outcome, now, probe=probe)
        if outcome.status == 429:
            self._metrics.rate_limited.labels(self.name).inc()
            self.limiter.on_rate_limited(self.scheduler.in_flight, now)
        elif outcome.succeeded:
            self.limiter.on_success(now)
        self.scheduler.set_limit(self.limiter.limit)
        label = str(outcome.status) if outcome.status is not None else str(outcome.failure)
        self._metrics.latency.labels(self.name, job.request.lane.value, label).observe(seconds)

    def _requeue(self, job: Job) -> None:
        del self._backoffs[job.request.request_id]
        self.scheduler.offer(job.request)
        self._pump()

    async def _end(self, job: Job, result: Result) -> None:
        """Known here until its result is recorded and answered: a duplicate of the request
        read meanwhile joins this job instead of calling the vendor again."""
        self._pump()
        self._metrics.results.labels(self.name, result.error or "ok").inc()
        try:
            await self._finish(job, result)
        finally:
            self._jobs.pop(job.request.request_id, None)

    def _result(self, outcome: Outcome, body: str) -> Result:
        if outcome.failure is not None:
            cause = outcome.detail or f"vendor unreachable ({outcome.failure})"
            return Result.failed(f"{self._prefix}.{ERROR_NAMES[outcome.failure]}", cause)
        if outcome.succeeded or outcome.status is None:
            return Result(outcome.status, body)
        return Result.failed(
            f"{self._prefix}.HTTP{outcome.status}",
            http_cause(outcome.status, body),
            outcome.status,
            body,
        )
