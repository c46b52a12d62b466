"""Admission to one vendor's pool: sync before async, a reserve only sync may use.

The rules, in the order they are applied:

* nothing starts while ``in_flight >= limit`` (``limit`` is the adaptive limit, at
  most ``cap``);
* a sync request may take any free slot;
* an async request may start only while ``in_flight_async < limit - reserve``,
  where ``reserve = min(reserved_sync_slots, limit - 1)``. So async never holds the
  reserved slots: while fewer than ``reserve`` sync requests run, a sync request
  arriving behind thousands of async ones starts at once. The reserve shrinks with
  a lowered limit so that async keeps at least one slot and is never starved (after
  a drop, async running above its new room finishes before more async start);
* with ``lend_reserve`` (the default), async may also borrow the reserved slots
  while no sync request waits, so no slot idles while work is queued; a sync request
  arriving when every slot is busy then takes the next slot that frees, waiting at
  most one slot turnover, whatever the size of the async backlog. Without it the
  reserve is strict: a reserved slot may idle while async waits, which is the price
  of starting a sync request without waiting for any slot to turn over;
* within those rules the scheduler is work-conserving: it starts sync requests
  first (FIFO) and then async ones (FIFO) until no queued request is allowed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from vendor_gateway.model import Lane, VendorRequest


@dataclass(frozen=True, slots=True)
class LaneView:
    """One lane's figures, as shown by ``GET /pools``."""

    in_use: int
    queued: int


@dataclass(frozen=True, slots=True)
class PoolView:
    """A pool's figures, as shown by ``GET /pools``."""

    cap: int
    limit: int
    reserve: int
    sync: LaneView
    async_: LaneView


class LaneScheduler:
    """Decides which queued request of one vendor may start now; does no I/O."""

    def __init__(
        self,
        cap: int,
        reserved_sync_slots: int = 5,
        limit: int | None = None,
        *,
        lend_reserve: bool = True,
    ) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        if reserved_sync_slots < 0:
            raise ValueError("reserved_sync_slots must not be negative")
        self.cap = cap
        self.reserved_sync_slots = reserved_sync_slots
        self.lend_reserve = lend_reserve
        self._limit = cap
        self._queues: dict[Lane, OrderedDict[str, VendorRequest]] = {
            lane: OrderedDict() for lane in Lane
        }
        self._running: dict[str, Lane] = {}
        self._in_use = dict.fromkeys(Lane, 0)
        if limit is not None:
            self.set_limit(limit)

    @property
    def limit(self) -> int:
        """How many may be in flight now (lowered by AIMD when the vendor pushes back)."""
        return self._limit

    def set_limit(self, limit: int) -> None:
        """Change the effective limit, clamped to ``[1, cap]``; running requests stay."""
        self._limit = max(1, min(limit, self.cap))

    @property
    def reserve(self) -> int:
        """Slots async may not take under the current limit."""
        return min(self.reserved_sync_slots, self._limit - 1)

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def offer(self, request: VendorRequest) -> None:
        """Queue a request at the back of its lane."""
        if request.request_id in self._running or self._lane_of_queued(request.request_id):
            raise ValueError(f"request {request.request_id} is already known")
        self._queues[request.lane][request.request_id] = request

    def next_to_start(self) -> VendorRequest | None:
        """Take the request that may start now, marking it in flight; ``None`` if none may."""
        if self.in_flight >= self._limit:
            return None
        lane = self._startable_lane()
        if lane is None:
            return None
        _, request = self._queues[lane].popitem(last=False)
        self._running[request.request_id] = lane
        self._in_use[lane] += 1
        return request

    def start_ready(self) -> list[VendorRequest]:
        """Take every request that may start now, in start order."""
        started = []
        while (request := self.next_to_start()) is not None:
            started.append(request)
        return started

    def finish(self, request_id: str) -> None:
        """Free the slot of a request that was started."""
        lane = self._running.pop(request_id)
        self._in_use[lane] -= 1

    def withdraw(self, request_id: str) -> VendorRequest | None:
        """Remove a queued request (deadline passed, partition revoked); ``None`` if absent."""
        lane = self._lane_of_queued(request_id)
        return None if lane is None else self._queues[lane].pop(request_id)

    def position(self, request_id: str) -> int | None:
        """0-based place of a queued request within its lane; ``None`` if not queued."""
        lane = self._lane_of_queued(request_id)
        if lane is None:
            return None
        return list(self._queues[lane]).index(request_id)

    def view(self) -> PoolView:
        """Slots in use and requests queued per lane."""
        return PoolView(
            cap=self.cap,
            limit=self._limit,
            reserve=self.reserve,
            sync=LaneView(self._in_use[Lane.SYNC], len(self._queues[Lane.SYNC])),
            async_=LaneView(self._in_use[Lane.ASYNC], len(self._queues[Lane.ASYNC])),
        )

    def _startable_lane(self) -> Lane | None:
        if self._queues[Lane.SYNC]:
            return Lane.SYNC
        room = self._limit if self.lend_reserve else self._limit - self.reserve
        if self._queues[Lane.ASYNC] and self._in_use[Lane.ASYNC] < room:
            return Lane.ASYNC
        return None

    def _lane_of_queued(self, request_id: str) -> Lane | None:
        for lane, queue in self._queues.items():
            if request_id in queue:
                return lane
        return None
