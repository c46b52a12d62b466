"""How long the simulated vendor takes over a request, drawn from a seeded RNG.

Specs read like ``fixed:2``, ``uniform:2,300`` or ``lognormal:mu,sigma`` (the
underlying normal's parameters, so the median is ``e**mu`` seconds). Durations are
in vendor seconds; the server multiplies them by its time scale.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

_ARITY = {"fixed": 1, "uniform": 2, "lognormal": 2}


@dataclass(frozen=True, slots=True)
class DurationSpec:
    """A distribution of request durations, optionally clipped to ``[minimum, maximum]``."""

    kind: str
    params: tuple[float, ...]
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in _ARITY:
            raise ValueError(f"unknown distribution {self.kind!r}; use one of {sorted(_ARITY)}")
        if len(self.params) != _ARITY[self.kind]:
            raise ValueError(f"{self.kind} takes {_ARITY[self.kind]} parameter(s)")
        if not all(math.isfinite(p) for p in self.params):
            raise ValueError("parameters must be finite numbers")
        if self.kind == "fixed" and self.params[0] < 0:
            raise ValueError("a fixed duration must not be negative")
        if self.kind == "uniform" and not 0 <= self.params[0] <= self.params[1]:
            raise ValueError("uniform needs 0 <= low <= high")
        if self.kind == "lognormal" and self.params[1] < 0:
            raise ValueError("lognormal needs sigma >= 0")
        if self.minimum is not None and self.minimum < 0:
            raise ValueError("minimum must not be negative")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum must not exceed maximum")

    @classmethod
    def parse(
        cls, text: str, minimum: float | None = None, maximum: float | None = None
    ) -> DurationSpec:
        """Read ``kind:p1[,p2]``; raises ``ValueError`` with a readable message."""
        kind, _, rest = text.strip().partition(":")
        try:
            params = tuple(float(p) for p in rest.split(",")) if rest else ()
        except ValueError:
            raise ValueError(f"bad duration parameters in {text!r}") from None
        return cls(kind.strip().lower(), params, minimum, maximum)

    def sample(self, rng: random.Random) -> float:
        """One duration in vendor seconds."""
        if self.kind == "fixed":
            value = self.params[0]
        elif self.kind == "uniform":
            value = rng.uniform(*self.params)
        else:
            value = rng.lognormvariate(*self.params)
        if self.minimum is not None:
            value = max(value, self.minimum)
        if self.maximum is not None:
            value = min(value, self.maximum)
        return value

    def __str__(self) -> str:
        text = f"{self.kind}:{','.join(f'{p:g}' for p in self.params)}"
        if self.minimum is not None or self.maximum is not None:
            text += f" clipped to [{self.minimum}, {self.maximum}]"
        return text
