"""Executions as plain text for operations staff: aligned tables, UTC times, no JSON noise;
and the times they type (an ISO time or an age such as 6h)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from orderloom.projections.fold import ExecutionRow
from orderloom.projections.queries import ExecutionSummary, HistoryEntry

_WIDEST = 60
_AGO = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_when(text: str) -> datetime:
    """An ISO 8601 time (UTC unless it says otherwise), or an age like 30m, 6h, 7d ago."""
    if ago := _AGO.fullmatch(text.strip()):
        return datetime.now(UTC) - timedelta(**{_UNITS[ago[2]]: int(ago[1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"{text!r} is not a time (2026-01-31T08:00 or 6h)") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns as wide as their widest cell (cut at 60 characters), two spaces apart."""
    cells = [[_cut(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def executions_table(executions: Sequence[ExecutionSummary]) -> str:
    return table(
        ("STARTED (UTC)", "EXECUTION", "WORKFLOW", "STATUS", "STATE", "ERROR"),
        [
            (
                when(e.started_at),
                e.execution_id,
                e.workflow,
                e.status,
                e.current_state or "-",
                e.error or "",
            )
            for e in executions
        ],
    )


def execution_text(row: ExecutionRow) -> str:
    redrives = f" (redriven {row.redrive_count} time{'s' * (row.redrive_count != 1)})"
    lines = [
        ("Execution", row.execution_id),
        ("Workflow", row.workflow),
        ("Order/correlation", row.correlation_id),
        ("Status", row.status + (redrives if row.redrive_count else "")),
        ("Current state", row.current_state or "-"),
    ]
    if row.error is not None:
        lines += [("Failed in state", row.failed_state or "-"), ("Error", row.error)]
        lines += [("Cause", row.cause or "-")]
    lines += [
        ("Started (UTC)", when(row.started_at)),
        ("Last change (UTC)", when(row.updated_at)),
        ("Stopped (UTC)", when(row.stopped_at)),
        ("History events", str(row.history_count)),
        ("Input", _json(row.input)),
        ("Output", _json(row.output) if row.status == "SUCCEEDED" else "-"),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in lines)


def history_table(events: Sequence[HistoryEntry]) -> str:
    return table(
        ("#", "TIME (UTC)", "EVENT", "STATE", "DETAIL"),
        [
            (str(e.event_id), when(e.timestamp), e.event_type, e.state_name or "", _detail(e))
            for e in events
        ],
    )


def _detail(event: HistoryEntry) -> str:
    """The one thing worth reading on the event's line: an error, an attempt, a redrive."""
    d = event.details
    if "error" in d:
        return f"{d['error']}: {d.get('cause') or ''}"
    if event.event_type == "ExecutionRedriven":
        return f"by {d.get('actor')}: {d.get('reason')}"
    if "attempt" in d:
        return f"attempt {d['attempt']}"
    if "index" in d:
        return f"item {d['index']}"
    return ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _cut(text: str) -> str:
    return text if len(text) <= _WIDEST else text[: _WIDEST - 1] + "…"
