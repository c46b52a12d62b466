"""An execution's history as the steps a person reads: one per top-level state entered.

Each step has its input, output, error, attempts and duration, and the raw events that
belong to it (a Map's iterations stay inside the Map's step). Execution events (started,
failed, redriven, succeeded) are steps of their own, so a redrive shows where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orderloom.projections.queries import HistoryEntry

_FANOUT = ("Map", "Parallel")


@dataclass
class Step:
    number: int
    name: str
    kind: str
    started_at: datetime
    ended_at: datetime | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    attempts: int = 0
    outcome: str = "running"
    events: list[HistoryEntry] = field(default_factory=list)

    @property
    def duration_ms(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() * 1000)


def steps(history: list[HistoryEntry]) -> list[Step]:
    found: list[Step] = []
    open_step: Step | None = None
    for event in history:
        kind, details = event.event_type, event.details
        if kind.startswith("Execution"):
            if open_step is not None and kind in ("ExecutionFailed", "ExecutionTimedOut"):
                _close(open_step, event, "failed")
                open_step.error = open_step.error or details.get("error")
                open_step.cause = open_step.cause or details.get("cause")
            open_step = None
            step = Step(
                len(found) + 1, kind.removeprefix("Execution"), "Execution", event.timestamp
            )
            step.ended_at, step.events = event.timestamp, [event]
            step.input = details.get("input")
            step.output = details.get("output")
            step.error, step.cause = details.get("error"), details.get("cause")
            step.outcome = kind.removeprefix("Execution").lower()
            found.append(step)
            continue
        nested = open_step is not None and open_step.kind in _FANOUT and open_step.ended_at is None
        if kind.endswith("StateEntered") and not nested:
            open_step = Step(
                len(found) + 1,
                str(details.get("name")),
                kind.removesuffix("StateEntered"),
                event.timestamp,
                input=details.get("input"),
            )
            found.append(open_step)
        if open_step is None:
            continue
        open_step.events.append(event)
        if nested and event.state_name != open_step.name:
            continue
        if kind == "TaskScheduled":
            open_step.attempts += 1
        if kind in ("TaskFailed", "TaskTimedOut"):
            open_step.error, open_step.cause = details.get("error"), details.get("cause")
        if kind.endswith("StateExited") or kind in (f"{k}StateSucceeded" for k in _FANOUT):
            open_step.output = details.get("output", open_step.output)
            open_step.error = open_step.cause = None
            _close(open_step, event, "succeeded")
        elif kind.endswith("StateFailed"):
            _close(open_step, event, "failed")
    return found


def _close(step: Step, event: HistoryEntry, outcome: str) -> None:
    if step.ended_at is None:
        step.ended_at, step.outcome = event.timestamp, outcome
