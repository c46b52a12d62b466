"""When a child of the local system that exited is started again, and when the run gives up.

Pure: the supervisor says how long the child ran and gets back what to do. A child that
exits soon after each start waits twice as long before each next start (up to a cap); one
that ran well for a while starts again at once-ish, its count of failures forgotten; one
that keeps exiting soon after its start stops the run, because restarting it forever would
hide the fault behind a system that looks up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """The restart policy: ``first_s`` * ``factor`` ** (failures - 1), at most ``cap_s``.

    A run of ``healthy_after_s`` or more counts as well: the next exit is a first failure
    again. After ``give_up_after`` failures in a row (each exit within ``healthy_after_s``
    of its start) the next such exit stops the run: by default six quick exits, about a
    minute of trying.
    """

    first_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 30.0
    healthy_after_s: float = 60.0
    give_up_after: int = 5


@dataclass(frozen=True)
class Record:
    """One child's story so far: restarts in all, and exits in a row that came too soon."""

    restarts: int = 0
    failures: int = 0


@dataclass(frozen=True)
class Restart:
    delay_s: float


@dataclass(frozen=True)
class GiveUp:
    failures: int


Decision = Restart | GiveUp


def decide(policy: Backoff, record: Record, ran_s: float) -> tuple[Record, Decision]:
    """What to do about a child that exited after running ``ran_s`` seconds."""
    failures = 1 if ran_s >= policy.healthy_after_s else record.failures + 1
    if failures > policy.give_up_after:
        return Record(record.restarts, failures), GiveUp(failures)
    delay = min(policy.cap_s, policy.first_s * policy.factor ** (failures - 1))
    return Record(record.restarts + 1, failures), Restart(delay)
