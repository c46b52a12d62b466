"""When scheduled workflows start (pure: the time is an argument, never read).

A schedule fires once per slot; the execution id names the slot, so firing a slot twice
(two schedulers, or one restarted) starts one execution: the engine ignores a second start.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from croniter import croniter

from orderloom.errors import TerminalError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(TerminalError):
    """A schedule that cannot be read; the message names it and the field."""


@dataclass(frozen=True)
class Schedule:
    """Start ``workflow`` with ``input`` every ``every`` seconds or on a cron expression."""

    name: str
    workflow: str
    definition: dict[str, Any]
    input: Any
    every_s: int | None = None
    cron: str | None = None

    def last_slot(self, now: datetime) -> datetime:
        """The latest slot at or before ``now`` (a scheduler down for a while fires it once)."""
        if self.cron is not None:
            return croniter(self.cron, now + timedelta(microseconds=1)).get_prev(datetime)
        assert self.every_s is not None
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.every_s, UTC)

    def next_slot(self, now: datetime) -> datetime:
        if self.cron is not None:
            return croniter(self.cron, now).get_next(datetime)
        return self.last_slot(now) + timedelta(seconds=self.every_s or 0)

    def execution_id(self, slot: datetime) -> str:
        return f"{self.name}-{slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def parse_every(text: str) -> int:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not an interval like 30s, 15m, 1h or 1d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def load(path: Path) -> list[Schedule]:
    """Every ``[[schedule]]`` of a TOML file; definitions are read relative to it."""
    raw = tomllib.loads(path.read_text())
    schedules = []
    for entry in raw.get("schedule", []):
        name = entry.get("name", "?")
        try:
            every, cron = entry.get("every"), entry.get("cron")
            if (every is None) == (cron is None):
                raise ValueError("give exactly one of 'every' and 'cron'")
            if cron is not None and not croniter.is_valid(cron):
                raise ValueError(f"'cron': {cron!r} is not a cron expression")
            definition = json.loads((path.parent / entry["definition"]).read_text())
            schedules.append(
                Schedule(
                    name,
                    entry["workflow"],
                    definition,
                    entry.get("input", {}),
                    None if every is None else parse_every(every),
                    cron,
                )
            )
        except (KeyError, ValueError, OSError) as e:
            raise ScheduleError(f"schedule {name!r} in {path}: {e}") from e
    return schedules
