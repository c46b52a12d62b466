"""The runner's durable timers: a heap of what falls due, rebuilt from snapshots on restart.

A timer lives in its execution's snapshot until the core consumes its ``TimerFired``,
so a crash between firing and consuming fires it again; the core ignores the second.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

Timer = tuple[int, str, str]
"""(fire_at in epoch ms, execution id, timer id)"""


class TimerQueue:
    """Timers of the executions this runner owns, each queued once until it fires."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._known: dict[str, set[str]] = {}
        self._firing: list[Timer] = []

    def track(self, execution_id: str, timers: dict[str, int]) -> None:
        """Queue the execution's new timers; forget the ones it no longer has."""
        known = self._known.setdefault(execution_id, set())
        known &= timers.keys()
        for timer_id, fire_at in timers.items():
            if timer_id not in known:
                known.add(timer_id)
                heapq.heappush(self._heap, (fire_at, execution_id, timer_id))
        if not known:
            del self._known[execution_id]

    def due(self, now_ms: int, timers_of: Callable[[str], dict[str, int]]) -> list[Timer]:
        """Pop what fell due and is still wanted (among ``timers_of`` its execution now);
        held as firing until committed. Asks only about the timers that fell due: it runs
        at every poll, and a runner holds every execution it owns."""
        fired: list[Timer] = []
        while self._heap and self._heap[0][0] <= now_ms:
            timer = heapq.heappop(self._heap)
            if timer[2] in timers_of(timer[1]):
                fired.append(timer)
        self._firing.extend(fired)
        return fired

    def committed(self) -> None:
        self._firing.clear()

    def aborted(self) -> None:
        """The firing records were not written: queue those timers again."""
        for timer in self._firing:
            heapq.heappush(self._heap, timer)
        self._firing.clear()

    def keep_only(self, execution_ids: set[str]) -> None:
        """Drop the timers of executions this runner no longer owns."""
        self._known = {k: v for k, v in self._known.items() if k in execution_ids}
        self._heap = [t for t in self._heap if t[1] in execution_ids]
        heapq.heapify(self._heap)
