"""The faults a running vendor injects, and how ``POST /control`` changes them.

Times here are on the server's monotonic clock, in real seconds; the control
payload speaks vendor seconds, which are scaled on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.vendor.config import DownMode, VendorConfig, check_misbehaviour, check_rates
from sim.vendor.misbehaviour import Misbehaviour


class ControlError(ValueError):
    """A ``POST /control`` payload the vendor cannot apply; the message says why."""


@dataclass(slots=True)
class Faults:
    """Current failure injection; ``now`` arguments are monotonic real seconds."""

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    shared_clients: int = 0
    down: DownMode | None = None
    down_until: float | None = None
    storms: list[tuple[float, float]] = field(default_factory=list)
    slow_start: tuple[float, float] = (0.0, 0.0)
    slow_start_factor: float = 1.0
    misbehave: Misbehaviour | None = None
    redirect_to: str | None = None

    @classmethod
    def at_launch(cls, config: VendorConfig, now: float) -> Faults:
        """The faults a vendor launched at ``now`` with ``config`` starts with."""
        return cls(
            error_rate=config.error_rate,
            timeout_rate=config.timeout_rate,
            shared_clients=config.shared_clients,
            down=config.down,
            down_until=None if config.down_for is None else now + config.real(config.down_for),
            storms=[
                (now + config.real(w.start), now + config.real(w.start + w.length))
                for w in config.storms
            ],
            slow_start=(now, now + config.real(config.slow_start)),
            slow_start_factor=config.slow_start_factor,
            misbehave=config.misbehave,
            redirect_to=config.redirect_to,
        )

    def down_mode(self, now: float) -> DownMode | None:
        """How the vendor is down now, if it is; a timed outage ends by itself."""
        if self.down_until is not None and now >= self.down_until:
            self.down, self.down_until = None, None
        return self.down

    def storm_left(self, now: float) -> float | None:
        """Real seconds left of the 429 storm under way, ``None`` outside storms."""
        self.storms = [(start, end) for start, end in self.storms if end > now]
        left = [end - now for start, end in self.storms if start <= now]
        return max(left) if left else None

    def slowdown(self, now: float) -> float:
        """Duration multiplier: ``slow_start_factor`` at the start, easing linearly to 1."""
        start, end = self.slow_start
        if now >= end or end <= start:
            return 1.0
        remaining = (end - now) / (end - start)
        return 1.0 + (self.slow_start_factor - 1.0) * remaining

    def describe(self, now: float) -> dict[str, Any]:
        """The faults as ``/stats`` and ``/control`` show them (real seconds)."""
        mode = self.down_mode(now)
        return {
            "error_rate": self.error_rate,
            "timeout_rate": self.timeout_rate,
            "shared_clients": self.shared_clients,
            "down": None if mode is None else mode.value,
            "down_left": None if self.down_until is None else self.down_until - now,
            "storm_left": self.storm_left(now),
            "slowdown": self.slowdown(now),
            "misbehave": None if self.misbehave is None else self.misbehave.value,
            "redirect_to": self.redirect_to,
        }


_FIELDS = {
    "error_rate": (int, float),
    "timeout_rate": (int, float),
    "shared_clients": (int,),
    "down": (str, bool, type(None)),
    "down_for": (int, float),
    "storm_for": (int, float),
    "slow_start_for": (int, float),
    "slow_start_factor": (int, float),
    "reset": (bool,),
    "forget_keys": (bool,),
    "misbehave": (str, type(None)),
    "redirect_to": (str, type(None)),
}


def apply_control(
    faults: Faults, payload: Mapping[str, Any], config: VendorConfig, now: float
) -> None:
    """Apply the fault fields of a control payload; validates all before changing any.

    ``down``: ``"503"``, ``"refuse"``, or ``false``/``null`` to come back up;
    ``down_for``, ``storm_for`` and ``slow_start_for`` are vendor seconds from now.
    ``reset`` and ``forget_keys`` are accepted here and acted on by the vendor.
    ``misbehave``: one of ``sim.vendor.misbehaviour.Misbehaviour``, or ``null`` to
    behave again; ``redirect_to``: the other origin ``redirect_away`` sends to.
    """
    for name, value in payload.items():
        kinds = _FIELDS.get(name)
        if kinds is None:
            raise ControlError(f"unknown control field {name!r}; known: {sorted(_FIELDS)}")
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ControlError(f"{name} has the wrong type")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ControlError(f"{name} must not be negative")
    error_rate = float(payload.get("error_rate", faults.error_rate))
    timeout_rate = float(payload.get("timeout_rate", faults.timeout_rate))
    shared = payload.get("shared_clients", faults.shared_clients)
    try:
        check_rates(error_rate, timeout_rate)
        down = _down_mode(payload["down"]) if "down" in payload else faults.down
        misbehave = payload.get("misbehave", faults.misbehave)
        misbehave = None if misbehave is None else Misbehaviour(misbehave)
        redirect_to = payload.get("redirect_to", faults.redirect_to)
        check_misbehaviour(misbehave, redirect_to)
    except ValueError as e:
        raise ControlError(str(e)) from e
    if shared > config.cap:
        raise ControlError("shared_clients must not exceed the cap")
    if payload.get("slow_start_factor", 1) < 1:
        raise ControlError("slow_start_factor must be at least 1")

    faults.error_rate, faults.timeout_rate, faults.shared_clients = error_rate, timeout_rate, shared
    faults.misbehave, faults.redirect_to = misbehave, redirect_to
    if "down" in payload:
        faults.down, faults.down_until = down, None
    if "down_for" in payload:
        faults.down = faults.down or DownMode.UNAVAILABLE
        faults.down_until = now + config.real(payload["down_for"])
    if "storm_for" in payload:
        faults.storms.append((now, now + config.real(payload["storm_for"])))
    if "slow_start_factor" in payload:
        faults.slow_start_factor = float(payload["slow_start_factor"])
    if "slow_start_for" in payload:
        faults.slow_start = (now, now + config.real(payload["slow_start_for"]))


def _down_mode(value: str | bool | None) -> DownMode | None:
    if value is None or value is False:
        return None
    if value is True:
        return DownMode.UNAVAILABLE
    return DownMode(value)
