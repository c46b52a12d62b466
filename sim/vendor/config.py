"""What a simulated vendor is like when it starts: its cap, its pace, its faults.

Every duration here is in vendor seconds; ``time_scale`` turns them into real
seconds, so ``time_scale=0.01`` runs a 2-300 s vendor as 20 ms-3 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sim.vendor.durations import DurationSpec
from sim.vendor.misbehaviour import Misbehaviour


class DownMode(StrEnum):
    """How a down vendor looks: answering 503, or refusing connections."""

    UNAVAILABLE = "503"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Window:
    """A span of vendor time: starts ``start`` seconds after launch, lasts ``length``."""

    start: float
    length: float

    @classmethod
    def parse(cls, text: str) -> Window:
        """Read ``START:LENGTH``, e.g. ``60:30`` for a storm from 60 s to 90 s."""
        start, sep, length = text.partition(":")
        try:
            window = cls(float(start), float(length))
        except ValueError:
            raise ValueError(f"expected START:LENGTH in seconds, got {text!r}") from None
        if not sep or window.start < 0 or window.length <= 0:
            raise ValueError(f"expected START:LENGTH with START >= 0, LENGTH > 0, got {text!r}")
        return window


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorConfig:
    """Launch settings of the simulated vendor; ``POST /control`` changes the faults later.

    ``down`` with ``down_for`` starts with an outage of that many vendor seconds.
    ``slow_start`` is a window after launch in which durations are stretched by
    ``slow_start_factor``, easing linearly back to normal (a cold vendor).
    ``decline_tokens``: a request whose JSON body carries one of these as its
    ``payment_token`` is declined with a 402, as a payment provider declines a card;
    ``unavailable_tokens``: such a request is answered 503, every time (a card whose
    processor is down: what the gateway and the workflow retry, to no avail).
    ``fixtures``: (method, path) -> the JSON a successful call to it answers with
    (see ``sim.vendor.fixtures``); other calls echo what they were sent.
    ``misbehave``: every admitted request is answered as a hostile or broken vendor
    would (``sim.vendor.misbehaviour``); ``redirect_to`` is the other origin of
    ``redirect_away``, ``huge_bytes`` the size of ``huge_body``, ``slow_interval``
    the vendor seconds between the bytes of ``slow_body``.
    """

    host: str = "127.0.0.1"
    port: int = 0
    cap: int = 25
    shared_clients: int = 0
    duration: DurationSpec = field(default_factory=lambda: DurationSpec("fixed", (2.0,)))
    time_scale: float = 1.0
    seed: int | None = None
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_hold: float = 3600.0
    retry_after: float = 1.0
    storms: tuple[Window, ...] = ()
    down: DownMode | None = None
    down_for: float | None = None
    slow_start: float = 0.0
    slow_start_factor: float = 3.0
    decline_tokens: frozenset[str] = frozenset()
    unavailable_tokens: frozenset[str] = frozenset()
    fixtures: dict[tuple[str, str], Any] = field(default_factory=dict)
    misbehave: Misbehaviour | None = None
    redirect_to: str | None = None
    huge_bytes: int = 1 << 30
    slow_interval: float = 1.0

    def __post_init__(self) -> None:
        check_misbehaviour(self.misbehave, self.redirect_to)
        if self.huge_bytes < 0 or self.slow_interval < 0:
            raise ValueError("huge_bytes and slow_interval must not be negative")
        if self.cap < 1:
            raise ValueError("cap must be at least 1")
        if not 0 <= self.shared_clients <= self.cap:
            raise ValueError("shared_clients must be in [0, cap]")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        check_rates(self.error_rate, self.timeout_rate)
        if min(self.timeout_hold, self.retry_after, self.slow_start, self.down_for or 0) < 0:
            raise ValueError("durations of holds, waits and windows must not be negative")
        if self.down_for is not None and self.down is None:
            raise ValueError("down_for needs down (503 or refuse)")
        if self.slow_start_factor < 1:
            raise ValueError("slow_start_factor must be at least 1")

    def real(self, vendor_seconds: float) -> float:
        """Real seconds for a span of vendor seconds."""
        return vendor_seconds * self.time_scale


def check_rates(error_rate: float, timeout_rate: float) -> None:
    """Both rates are probabilities of one draw, so they must fit in [0, 1] together."""
    if error_rate < 0 or timeout_rate < 0 or error_rate + timeout_rate > 1:
        raise ValueError("error_rate and timeout_rate must be >= 0 and sum to at most 1")


def check_misbehaviour(misbehave: Misbehaviour | None, redirect_to: str | None) -> None:
    """``redirect_away`` needs somewhere to send the client: an absolute http(s) URL."""
    if redirect_to is not None and not redirect_to.startswith(("http://", "https://")):
        raise ValueError("redirect_to must be an http:// or https:// URL")
    if misbehave is Misbehaviour.REDIRECT_AWAY and redirect_to is None:
        raise ValueError("misbehave redirect_away needs redirect_to")
