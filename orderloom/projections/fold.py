"""An execution's read-model row, folded from its history events: pure, no I/O.

The fold is idempotent and order-safe: an event whose id is not above the row's
``last_event_id`` changes nothing, so redelivered or replayed events are harmless.

``current_state`` is the top-level state last entered: states entered inside a Map or
Parallel count as that Map or Parallel, which is where an operator looks on the diagram.
``open_fanout``/``fanout_depth`` keep track of how deep inside one the history is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orderloom.workflow.execution import FAILED, RUNNING, SUCCEEDED, TIMED_OUT

HISTORY_RECORDED_TYPE = "orderloom.workflow.HistoryRecorded"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FANOUT_OPENED = {"MapStateStarted", "ParallelStateStarted"}
_FANOUT_CLOSED = {
    "MapStateSucceeded",
    "MapStateFailed",
    "ParallelStateSucceeded",
    "ParallelStateFailed",
}


def from_epoch_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One history event as the projection sees it: a RecordedEvent, its details parsed for
    the fold and kept as text for the history table, which stores them as written."""

    execution_id: str
    workflow: str
    correlation_id: str
    event_id: int
    previous_event_id: int
    timestamp: datetime
    event_type: str
    details: dict[str, Any]
    details_text: str

    @property
    def state_name(self) -> str | None:
        """The state the event is about: ``name`` for state events, ``state`` for executions."""
        for key in ("name", "state"):
            value = self.details.get(key)
            if isinstance(value, str):
                return value
        return None


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    """One row of the ``executions`` table."""

    execution_id: str
    workflow: str
    correlation_id: str
    status: str
    started_at: datetime
    updated_at: datetime
    current_state: str | None = None
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    input: Any = None
    output: Any = None
    redrive_count: int = 0
    stopped_at: datetime | None = None
    last_event_id: int = 0
    history_count: int = 0
    open_fanout: str | None = None
    fanout_depth: int = 0


def fold(row: ExecutionRow | None, event: HistoryRecord) -> ExecutionRow:
    """The row after ``event``; the same row when the event was already applied."""
    if row is None:
        row = ExecutionRow(
            execution_id=event.execution_id,
            workflow=event.workflow,
            correlation_id=event.correlation_id,
            status=RUNNING,
            started_at=event.timestamp,
            updated_at=event.timestamp,
        )
    elif event.event_id <= row.last_event_id:
        return row
    row = dataclasses.replace(
        row,
        updated_at=event.timestamp,
        last_event_id=event.event_id,
        history_count=row.history_count + 1,
    )
    return _evolve(row, event)


def _evolve(row: ExecutionRow, event: HistoryRecord) -> ExecutionRow:
    kind, details = event.event_type, event.details
    replace = dataclasses.replace
    if kind == "ExecutionStarted":
        return replace(row, status=RUNNING, input=details.get("input"), started_at=event.timestamp)
    if kind == "ExecutionSucceeded":
        return replace(
            row, status=SUCCEEDED, output=details.get("output"), stopped_at=event.timestamp
        )
    if kind in ("ExecutionFailed", "ExecutionTimedOut"):
        return replace(
            row,
            status=FAILED if kind == "ExecutionFailed" else TIMED_OUT,
            error=details.get("error"),
            cause=details.get("cause"),
            failed_state=details.get("state"),
            stopped_at=event.timestamp,
            open_fanout=None,
            fanout_depth=0,
        )
    if kind == "ExecutionRedriven":
        return replace(
            row,
            status=RUNNING,
            error=None,
            cause=None,
            failed_state=None,
            output=None,
            stopped_at=None,
            redrive_count=int(details.get("redrive_count", row.redrive_count + 1)),
            open_fanout=None,
            fanout_depth=0,
        )
    if kind.endswith("StateEntered") and row.fanout_depth == 0:
        return replace(row, current_state=event.state_name)
    if kind in _FANOUT_OPENED:
        opened = event.state_name if row.fanout_depth == 0 else row.open_fanout
        return replace(row, open_fanout=opened, fanout_depth=row.fanout_depth + 1)
    if kind in _FANOUT_CLOSED and row.fanout_depth > 0:
        depth = 0 if event.state_name == row.open_fanout else row.fanout_depth - 1
        return replace(row, open_fanout=row.open_fanout if depth else None, fanout_depth=depth)
    return row


def fold_all(rows: dict[str, ExecutionRow], events: list[HistoryRecord]) -> list[HistoryRecord]:
    """Fold ``events`` into ``rows`` (by execution id, in place); the events that applied."""
    applied: list[HistoryRecord] = []
    for event in events:
        before = rows.get(event.execution_id)
        after = fold(before, event)
        if after is not before:
            rows[event.execution_id] = after
            applied.append(event)
    return applied
