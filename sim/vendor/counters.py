"""What the simulated vendor saw, for tests and benchmarks to judge a client by.

A request is counted at arrival, before it is answered; ``max_concurrency`` counts
the arriving request too, so ``max_concurrency > cap`` exactly when a violation
happened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Counters:
    """Counts since launch or the last reset; timestamps are Unix times.

    * ``violations``: requests that arrived while ``cap`` were in flight (the client's
      fault);
    * ``rejected_shared``: 429s only because another client holds ``shared_clients``;
    * ``duplicates``: repeated idempotency keys answered from the first response;
    * ``conflicts``: repeated keys whose first request was still running (409);
    * ``unkeyed``: POST/PATCH without an ``Idempotency-Key``;
    * ``abandoned``: requests whose client hung up before the answer;
    * ``misbehaved``: requests answered by the ``misbehave`` fault;
    * ``cut_short``: such answers whose client hung up before their end;
    * ``busy_seconds``: real seconds spent serving (work done, not rejections).
    """

    total_requests: int = 0
    completed: int = 0
    max_concurrency: int = 0
    violations: int = 0
    rejected_shared: int = 0
    duplicates: int = 0
    conflicts: int = 0
    unkeyed: int = 0
    abandoned: int = 0
    misbehaved: int = 0
    cut_short: int = 0
    busy_seconds: float = 0.0
    first_start: float | None = None
    last_end: float | None = None
    by_status: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures; status codes become string keys."""
        return {
            "total_requests": self.total_requests,
            "completed": self.completed,
            "max_concurrency": self.max_concurrency,
            "violations": self.violations,
            "rejected_shared": self.rejected_shared,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "unkeyed": self.unkeyed,
            "abandoned": self.abandoned,
            "misbehaved": self.misbehaved,
            "cut_short": self.cut_short,
            "busy_seconds": self.busy_seconds,
            "first_start": self.first_start,
            "last_end": self.last_end,
            "requests_by_status": {str(k): v for k, v in sorted(self.by_status.items())},
        }
