"""Reading the executions read model: filtered pages newest first, one execution's history.

Pages use a keyset on ``(started_at, execution_id)`` rather than OFFSET, so page 1,000 costs
what page 1 does and rows arriving meanwhile neither repeat nor vanish between pages. The
cursor is opaque to callers: they pass back what the previous page returned.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from psycopg import sql
from psycopg.rows import class_row

from orderloom.projections.fold import ExecutionRow
from orderloom.projections.store import COLUMNS, Connection

BOOKKEEPING = ("open_fanout", "fanout_depth")
"""Columns the fold needs and readers do not."""


@dataclass(frozen=True)
class ExecutionFilter:
    """Conditions a listed execution meets; ``None`` means any. ``until`` is exclusive."""

    status: str | None = None
    workflow: str | None = None
    error: str | None = None
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class ExecutionSummary:
    """What a list shows of an execution (no input or output: they can be large)."""

    execution_id: str
    workflow: str
    correlation_id: str
    status: str
    current_state: str | None
    error: str | None
    failed_state: str | None
    redrive_count: int
    started_at: datetime
    updated_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class Page:
    executions: list[ExecutionSummary]
    next_cursor: str | None
    """Pass it back for the next page; ``None`` when this page is the last."""


@dataclass(frozen=True)
class HistoryEntry:
    event_id: int
    event_type: str
    state_name: str | None
    timestamp: datetime
    details: dict[str, Any]


class BadCursor(ValueError):
    """A cursor that no page returned."""


_SUMMARY = [f.name for f in dataclasses.fields(ExecutionSummary)]
_CONDITIONS: dict[str, LiteralString] = {
    "status": "status = %s",
    "workflow": "workflow = %s",
    "error": "error = %s",
    "state": "current_state = %s",
    "since": "started_at >= %s",
    "until": "started_at < %s",
    "correlation_id": "correlation_id = %s",
}


def list_executions(
    conn: Connection, where: ExecutionFilter, *, limit: int = 50, cursor: str | None = None
) -> Page:
    """One page of executions matching ``where``, newest first."""
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    for name, condition in _CONDITIONS.items():
        value = getattr(where, name)
        if value is not None:
            clauses.append(sql.SQL(condition))
            params.append(value)
    if cursor is not None:
        clauses.append(sql.SQL("(started_at, execution_id) < (%s, %s)"))
        params.extend(decode_cursor(cursor))
    query = sql.SQL(
        "SELECT {} FROM executions {} ORDER BY started_at DESC, execution_id DESC LIMIT %s"
    ).format(
        sql.SQL(", ").join(map(sql.Identifier, _SUMMARY)),
        sql.SQL("WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL(""),
    )
    with conn.cursor(row_factory=class_row(ExecutionSummary)) as cur:
        found = cur.execute(query, [*params, limit + 1]).fetchall()
    page, more = found[:limit], len(found) > limit
    last = page[-1] if page else None
    return Page(page, encode_cursor(last.started_at, last.execution_id) if more and last else None)


def get_execution(conn: Connection, execution_id: str) -> ExecutionRow | None:
    query = sql.SQL("SELECT {} FROM executions WHERE execution_id = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    )
    with conn.cursor(row_factory=class_row(ExecutionRow)) as cur:
        return cur.execute(query, (execution_id,)).fetchone()


def get_history(conn: Connection, execution_id: str) -> list[HistoryEntry]:
    """Every recorded event of the execution, in the order it happened (by event id)."""
    with conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
        return cur.execute(
            "SELECT event_id, event_type, state_name, timestamp, details"
            " FROM execution_history WHERE execution_id = %s ORDER BY event_id",
            (execution_id,),
        ).fetchall()


def encode_cursor(started_at: datetime, execution_id: str) -> str:
    raw = json.dumps([started_at.isoformat(), execution_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, execution_id = json.loads(raw)
        return datetime.fromisoformat(started_at), str(execution_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as e:
        raise BadCursor(f"not a cursor this listing returned: {cursor!r}") from e


def execution_json(row: ExecutionRow | ExecutionSummary) -> dict[str, Any]:
    """The execution as JSON-ready data: times in ISO 8601, bookkeeping left out."""
    return {
        k: v.isoformat() if isinstance(v, datetime) else v
        for k, v in dataclasses.asdict(row).items()
        if k not in BOOKKEEPING
    }


def history_json(entry: HistoryEntry) -> dict[str, Any]:
    return {**dataclasses.asdict(entry), "timestamp": entry.timestamp.isoformat()}
