"""Retriers and catchers: which one handles an error, and how long to wait before a retry."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from orderloom.workflow.errors import ALL, TASK_FAILED, TIMEOUT, DefinitionError
from orderloom.workflow.fields import Fields
from orderloom.workflow.limits import MAX_SECONDS
from orderloom.workflow.paths import Path


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter: str = "NONE"


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Path | None  # None: the error output is discarded, the input passes on


def error_matches(names: tuple[str, ...], error: str) -> bool:
    """States.ALL matches every error; States.TaskFailed every error but States.Timeout."""
    return any(name in (error, ALL) or (name == TASK_FAILED and error != TIMEOUT) for name in names)


def find_retrier(retriers: tuple[Retrier, ...], error: str) -> int | None:
    """Index of the first retrier whose ErrorEquals matches (it alone decides on a retry)."""
    for index, retrier in enumerate(retriers):
        if error_matches(retrier.error_equals, error):
            return index
    return None


def backoff_ms(retrier: Retrier, retry_number: int, seed: str) -> int:
    """Delay before retry `retry_number` (1-based): interval * rate^(n-1), capped (at
    MaxDelaySeconds, else MAX_SECONDS), jittered.

    FULL jitter draws uniformly from [0, delay] with a hash of `seed`, so a replay of the same
    inputs waits exactly as long as the first run did.
    """
    cap = MAX_SECONDS if retrier.max_delay_seconds is None else retrier.max_delay_seconds
    growth = (retry_number - 1) * math.log(retrier.backoff_rate)
    if growth >= math.log(cap / retrier.interval_seconds):
        delay: float = cap  # the rate to that power would overflow a float long before this
    else:
        delay = min(retrier.interval_seconds * retrier.backoff_rate ** (retry_number - 1), cap)
    delay_ms = round(delay * 1000)
    if retrier.jitter == "FULL":
        draw = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
        delay_ms = draw % (delay_ms + 1)
    return delay_ms


def parse_retriers(f: Fields) -> tuple[Retrier, ...]:
    retriers = []
    for i, item in enumerate(f.error_handlers("Retry")):
        g = Fields(
            item,
            f.state,
            f"Retry[{i}].",
            {
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
            },
        )
        rate = g.number("BackoffRate")
        if rate is not None and not (math.isfinite(rate) and rate >= 1.0):
            raise DefinitionError(f.state, f"Retry[{i}].BackoffRate", "must be at least 1.0")
        jitter = g.string("JitterStrategy") or "NONE"
        if jitter not in ("FULL", "NONE"):
            raise DefinitionError(f.state, f"Retry[{i}].JitterStrategy", "must be FULL or NONE")
        interval, attempts = g.seconds("IntervalSeconds"), g.seconds("MaxAttempts", 0)
        retriers.append(
            Retrier(
                g.error_equals(),
                1 if interval is None else interval,
                3 if attempts is None else attempts,
                2.0 if rate is None else rate,
                g.seconds("MaxDelaySeconds"),
                jitter,
            )
        )
    return tuple(retriers)


def parse_catchers(f: Fields) -> tuple[Catcher, ...]:
    catchers = []
    for i, item in enumerate(f.error_handlers("Catch")):
        g = Fields(item, f.state, f"Catch[{i}].", {"ErrorEquals", "Next", "ResultPath", "Comment"})
        target = g.string("Next")
        if target is None:
            raise DefinitionError(f.state, f"Catch[{i}].Next", "is required")
        catchers.append(Catcher(g.error_equals(), target, g.result_path("ResultPath")))
    return tuple(catchers)
