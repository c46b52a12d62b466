"""AIMD: lower our own limit when the vendor says 429 although we are under the cap.

A 429 while we hold fewer than ``cap`` connections means someone else shares the
vendor's cap (another integration, a staff tool). Halving quickly and creeping back
one slot at a time, as TCP does, finds the share left to us without a setting.
"""

from __future__ import annotations

import math


class AimdLimiter:
    """The adaptive limit of one vendor; times are seconds on the caller's clock."""

    def __init__(
        self,
        cap: int,
        *,
        decrease_factor: float = 0.5,
        decrease_cooldown: float = 5.0,
        quiet_period: float = 30.0,
        successes_per_increase: int = 1,
    ) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        if not 0 < decrease_factor < 1:
            raise ValueError("decrease_factor must be in (0, 1)")
        self.cap = cap
        self.decrease_factor = decrease_factor
        self.decrease_cooldown = decrease_cooldown
        self.quiet_period = quiet_period
        self.successes_per_increase = successes_per_increase
        self._limit = cap
        self._last_change: float | None = None
        self._last_decrease: float | None = None
        self._successes = 0

    @property
    def limit(self) -> int:
        """How many requests may be in flight now; in ``[1, cap]``."""
        return self._limit

    def on_rate_limited(self, in_flight: int, now: float) -> bool:
        """Record a 429; ``in_flight`` counts our other requests in flight when it came.

        Decreases (multiplicatively, floor 1) only if we were under the cap and no
        decrease happened within ``decrease_cooldown``: one burst of 429s answering
        one burst of requests is one signal, not many. Returns whether it decreased.
        """
        if in_flight >= self.cap:
            return False
        if self._last_decrease is not None and now - self._last_decrease < self.decrease_cooldown:
            return False
        self._limit = max(1, math.floor(self._limit * self.decrease_factor))
        self._last_decrease = self._last_change = now
        self._successes = 0
        return True

    def on_success(self, now: float) -> bool:
        """Record a request the vendor accepted; may add one slot. Returns whether it did.

        The limit grows by one once ``quiet_period`` has passed since the last change
        and ``successes_per_increase`` requests succeeded meanwhile.
        """
        if self._limit >= self.cap:
            return False
        self._successes += 1
        if self._successes < self.successes_per_increase:
            return False
        if self._last_change is not None and now - self._last_change < self.quiet_period:
            return False
        self._limit += 1
        self._last_change = now
        self._successes = 0
        return True
