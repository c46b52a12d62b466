"""Which offset of each partition may be committed when requests finish out of order.

Kafka's committed offset means "everything below has been dealt with". A request
that finished early must not move it past one still running, or a crash would lose
the running one. So the offset to commit is the lowest unfinished offset, or one past
the highest offset seen when nothing is unfinished.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Partition:
    order: deque[int] = field(default_factory=deque)
    unfinished: set[int] = field(default_factory=set)
    highest: int = -1


class OffsetTracker:
    """Offsets in flight per partition; offsets of a partition must start in increasing order."""

    def __init__(self) -> None:
        self._partitions: dict[int, _Partition] = {}

    def start(self, partition: int, offset: int) -> None:
        """Record that the message at ``offset`` is being worked on."""
        state = self._partitions.setdefault(partition, _Partition())
        if offset <= state.highest:
            raise ValueError(
                f"offset {offset} of partition {partition} does not follow {state.highest}"
            )
        state.highest = offset
        state.order.append(offset)
        state.unfinished.add(offset)

    def finish(self, partition: int, offset: int) -> None:
        """Record that the message at ``offset`` needs no more work (done or dead-lettered)."""
        state = self._partitions.get(partition)
        if state is None or offset not in state.unfinished:
            raise ValueError(f"offset {offset} of partition {partition} is not in flight")
        state.unfinished.remove(offset)
        while state.order and state.order[0] not in state.unfinished:
            state.order.popleft()

    def committable(self, partition: int) -> int | None:
        """The offset to commit for ``partition``; ``None`` if nothing was seen there."""
        state = self._partitions.get(partition)
        if state is None:
            return None
        return state.order[0] if state.order else state.highest + 1

    def in_flight(self, partition: int) -> int:
        """How many offsets of ``partition`` are started and not finished."""
        state = self._partitions.get(partition)
        return 0 if state is None else len(state.unfinished)

    def revoke(self, partition: int) -> None:
        """Forget a partition taken away by a rebalance; its messages will be redelivered."""
        self._partitions.pop(partition, None)

    def partitions(self) -> list[int]:
        """Partitions currently tracked."""
        return sorted(self._partitions)
