"""The simulated vendor's behaviour, apart from HTTP: admit, reject, work, remember.

Order of judgement for an API request, all at arrival and without awaiting, so no
other request interleaves: over the hard cap (violation, 429), down (503), in a
storm (429), over the share left by other clients (429), a replayed or running
idempotency key, a declined payment token (402) or an unavailable one (503), a
misbehaviour set (``sim.vendor.misbehaviour``); only then is the work done, answered
with the call's fixture if it has one (``sim.vendor.fixtures``), else with an echo.
Rejections never touch the idempotency store; only completed 2xx answers are
remembered, so a retry after an injected failure does the work.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sim.vendor.config import DownMode, VendorConfig
from sim.vendor.counters import Counters
from sim.vendor.faults import Faults, apply_control
from sim.vendor.misbehaviour import Raw, answer

UNKEYED_METHODS = frozenset({"POST", "PATCH"})


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer: status, JSON body and extra headers, or ``raw`` bytes instead."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()
    raw: Raw | None = None


class Vendor:
    """One vendor's state; ``clock`` is monotonic real seconds, ``wall`` Unix time."""

    def __init__(
        self,
        config: VendorConfig,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._clock, self._wall = clock, wall
        self.faults = Faults.at_launch(config, clock())
        self.counters = Counters()
        self.in_flight = 0
        self._rng = random.Random(config.seed)
        self._answers: dict[str, Reply] = {}
        self._running_keys: set[str] = set()
        self._next_id = 0

    async def call(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Serve one API request; ``headers`` have lower-case names.

        Cancellation (the client hung up) counts the request as abandoned.
        """
        self.counters.total_requests += 1
        self.in_flight += 1
        self.counters.max_concurrency = max(self.counters.max_concurrency, self.in_flight)
        key = headers.get("idempotency-key")
        if key is None and method in UNKEYED_METHODS:
            self.counters.unkeyed += 1
        try:
            reply = (
                self._reject(key)
                or self._decline(body)
                or self._misbehave(path)
                or await self._work(method, path, key, body)
            )
        except asyncio.CancelledError:
            self.counters.abandoned += 1
            raise
        finally:
            self.in_flight -= 1
        self.counters.by_status[reply.status] += 1
        return reply

    @property
    def refusing(self) -> bool:
        """Whether the vendor refuses connections now (down in ``refuse`` mode)."""
        return self.faults.down_mode(self._clock()) is DownMode.REFUSE

    def now(self) -> float:
        """The vendor's clock (monotonic real seconds)."""
        return self._clock()

    def stats(self) -> dict[str, Any]:
        """Counters, the live in-flight count and the current faults."""
        return {
            **self.counters.as_dict(),
            "in_flight": self.in_flight,
            "cap": self.config.cap,
            "faults": self.faults.describe(self._clock()),
        }

    def control(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a ``POST /control`` payload (raises ``ControlError``); returns the stats."""
        apply_control(self.faults, payload, self.config, self._clock())
        if payload.get("reset"):
            self.counters = Counters(max_concurrency=self.in_flight)
        if payload.get("forget_keys"):
            self._answers.clear()
        return self.stats()

    def _reject(self, key: str | None) -> Reply | None:
        now, cap = self._clock(), self.config.cap
        retry_after = self.config.real(self.config.retry_after)
        if self.in_flight > cap:
            self.counters.violations += 1
            return _busy(f"over the cap of {cap}", retry_after)
        if self.faults.down_mode(now) is not None:
            return _busy("vendor down", retry_after, 503)
        storm_left = self.faults.storm_left(now)
        if storm_left is not None:
            return _busy("rate limit storm", storm_left)
        if self.in_flight > cap - self.faults.shared_clients:
            self.counters.rejected_shared += 1
            return _busy("cap shared with another client", retry_after)
        if key is not None and key in self._answers:
            self.counters.duplicates += 1
            return self._answers[key]
        if key is not None and key in self._running_keys:
            self.counters.conflicts += 1
            return Reply(409, {"error": "a request with this idempotency key is running"})
        return None

    def _decline(self, body: bytes) -> Reply | None:
        """A 402 for a request paying with a token the vendor is set to decline, a 503 for
        one whose token it is set to find unavailable."""
        config = self.config
        if not config.decline_tokens and not config.unavailable_tokens:
            return None
        try:
            token = json.loads(body).get("payment_token") if body else None
        except (ValueError, AttributeError):
            return None
        if not isinstance(token, str):
            return None
        if token in config.decline_tokens:
            return Reply(402, {"error": "card_declined", "payment_token": token})
        if token in config.unavailable_tokens:
            return Reply(503, {"error": "processor_unavailable", "payment_token": token})
        return None

    def _misbehave(self, target: str) -> Reply | None:
        """The misbehaving answer set by the ``misbehave`` fault, if any."""
        kind = self.faults.misbehave
        if kind is None:
            return None
        raw = answer(
            kind,
            target,
            redirect_to=self.faults.redirect_to,
            huge_bytes=self.config.huge_bytes,
            slow_interval=self.config.real(self.config.slow_interval),
        )
        if raw is None:
            return None
        self.counters.misbehaved += 1
        return Reply(raw.status, None, raw=replace(raw, on_cut=self._cut_short))

    def _cut_short(self) -> None:
        self.counters.cut_short += 1

    async def _work(self, method: str, path: str, key: str | None, body: bytes) -> Reply:
        draw, vendor_seconds = self._rng.random(), self.config.duration.sample(self._rng)
        seconds = self.config.real(vendor_seconds) * self.faults.slowdown(self._clock())
        status = 200
        if draw < self.faults.error_rate:
            status = 500
        elif draw < self.faults.error_rate + self.faults.timeout_rate:
            status, seconds = 504, self.config.real(self.config.timeout_hold)
        if key is not None:
            self._running_keys.add(key)
        started = self._clock()
        if self.counters.first_start is None:
            self.counters.first_start = self._wall()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.counters.busy_seconds += self._clock() - started
            self.counters.last_end = self._wall()
            if key is not None:
                self._running_keys.discard(key)
        if status != 200:
            return Reply(status, {"error": "injected failure", "operation": f"{method} {path}"})
        self.counters.completed += 1
        self._next_id += 1
        fixture = self.config.fixtures.get((method, path.partition("?")[0]))
        answer = self._echo(method, path, key, body, seconds) if fixture is None else fixture
        reply = Reply(200, answer)
        if key is not None:
            self._answers[key] = reply
        return reply

    def _echo(
        self, method: str, path: str, key: str | None, body: bytes, seconds: float
    ) -> dict[str, Any]:
        try:
            received = json.loads(body) if body else None
        except ValueError:
            received = None
        return {
            "vendor_id": f"V{self._next_id:08d}",
            "operation": f"{method} {path}",
            "idempotency_key": key,
            "received": received,
            "duration": seconds,
        }


def _busy(why: str, retry_after: float, status: int = 429) -> Reply:
    return Reply(status, {"error": why}, (("retry-after", _seconds_header(retry_after)),))


def _seconds_header(seconds: float) -> str:
    """Whole seconds when whole (RFC 9110); decimals, rounded up to ms, when time-scaled."""
    if seconds == int(seconds):
        return str(int(seconds))
    return f"{math.ceil(seconds * 1000) / 1000:.3f}".rstrip("0").rstrip(".")
