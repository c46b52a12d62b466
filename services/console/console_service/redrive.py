"""Redrive one failed execution, or every one a filter matches, each generation exactly once.

Every redrive takes one lock (redrives are serialised per schema), checks the read model,
writes the audit entry and a ``redrive_requests`` row per execution and its redrive count,
and sends the ``RedriveExecution`` records before the transaction commits: a send that fails
rolls everything back, and an execution already asked for at this redrive count is skipped
(no double click, no overlapping bulk action, ever redrives it twice).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from psycopg import sql

from console_service import audit
from console_service.access import Principal
from console_service.search import Search, where_clause
from orderloom.events.envelope import Envelope
from orderloom.projections import queries
from orderloom.projections.store import Connection
from orderloom.workflow.execution import FAILED, TIMED_OUT

REDRIVE_TYPE = "orderloom.workflow.RedriveExecution"
REDRIVABLE = (FAILED, TIMED_OUT)
_LOCK_KEY = 0x6F6C5F7265647276
Send = Callable[[Sequence[Envelope]], None]
_PENDING = sql.SQL(
    "NOT EXISTS (SELECT 1 FROM redrive_requests r WHERE r.execution_id ="
    " executions.execution_id AND r.redrive_count = executions.redrive_count)"
)


class Refused(Exception):
    """A redrive that is not done; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Redriven:
    audit_id: int
    execution_ids: list[str]


def failed_input(conn: Connection, execution_id: str, state: str | None) -> Any:
    """The input the failed state last entered with: what an edit starts from."""
    found = conn.execute(
        "SELECT details->'input' FROM execution_history WHERE execution_id = %s"
        " AND state_name = %s AND event_type LIKE '%%StateEntered'"
        " ORDER BY event_id DESC LIMIT 1",
        (execution_id, state),
    ).fetchone()
    return None if found is None else found[0]


def redrive_one(
    conn: Connection,
    send: Send,
    who: Principal,
    execution_id: str,
    reason: str,
    edited_input: dict[str, Any] | None = None,
) -> Redriven:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        row = queries.get_execution(conn, execution_id)
        if row is None:
            raise Refused(404, f"there is no execution {execution_id!r}")
        if row.status not in REDRIVABLE:
            raise Refused(
                409,
                f"execution {execution_id} is {row.status}: only a failed or timed-out"
                " execution can be redriven",
            )
        before = failed_input(conn, execution_id, row.failed_state)
        audit_id = audit.record(
            conn,
            who,
            "redrive",
            target=execution_id,
            reason=reason,
            count=1,
            before=before,
            after=before if edited_input is None else edited_input,
        )
        claimed = _claim(conn, audit_id, [(execution_id, row.redrive_count)])
        if not claimed:
            raise Refused(409, f"a redrive of {execution_id} has already been requested")
        send([_envelope(execution_id, row.correlation_id, who, reason, edited_input)])
        return Redriven(audit_id, claimed)


def bulk_count(conn: Connection, search: Search) -> int:
    """How many executions a bulk redrive of ``search`` would redrive now."""
    where, params = _bulk_where(search)
    query = sql.SQL("SELECT count(*) FROM executions {}").format(where)
    found = conn.execute(query, params).fetchone()
    return 0 if found is None else int(found[0])


def bulk_redrive(
    conn: Connection, send: Send, who: Principal, search: Search, reason: str, limit: int
) -> Redriven:
    """Redrive every execution ``search`` matches (only failed or timed-out ones)."""
    where, params = _bulk_where(search)
    query = sql.SQL(
        "SELECT execution_id, correlation_id, redrive_count FROM executions {}"
        " ORDER BY started_at, execution_id LIMIT %s"
    ).format(where)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        rows = conn.execute(query, [*params, limit + 1]).fetchall()
        if len(rows) > limit:
            raise Refused(422, f"more than {limit} executions match: narrow the filter")
        audit_id = audit.record(
            conn,
            who,
            "bulk-redrive",
            reason=reason,
            filter=_bulk_search(search).as_json(),
            count=len(rows),
        )
        claimed = _claim(conn, audit_id, [(r[0], r[2]) for r in rows])
        correlation = {str(r[0]): str(r[1]) for r in rows}
        send([_envelope(e, correlation[e], who, reason, None) for e in claimed])
        return Redriven(audit_id, claimed)


def _bulk_search(search: Search) -> Search:
    status = search.where.status
    if status is None:
        return replace(search, where=replace(search.where, status=FAILED))
    if status not in REDRIVABLE:
        raise Refused(422, f"status: only {' or '.join(REDRIVABLE)} executions can be redriven")
    return search


def _bulk_where(search: Search) -> tuple[sql.Composable, list[Any]]:
    where, params = where_clause(_bulk_search(search))
    return where + sql.SQL(" AND ") + _PENDING, params


def _claim(conn: Connection, audit_id: int, generations: list[tuple[str, int]]) -> list[str]:
    """Record the requests; the executions not already asked for at that redrive count."""
    if not generations:
        return []
    found = conn.execute(
        "INSERT INTO redrive_requests (execution_id, redrive_count, audit_id)"
        " SELECT e, c, %s FROM unnest(%s::text[], %s::int[]) AS g(e, c)"
        " ON CONFLICT DO NOTHING RETURNING execution_id",
        (audit_id, [g[0] for g in generations], [g[1] for g in generations]),
    ).fetchall()
    return sorted(str(r[0]) for r in found)


def _envelope(
    execution_id: str, correlation_id: str, who: Principal, reason: str, edited: Any
) -> Envelope:
    data = {
        "execution_id": execution_id,
        "actor": who.name,
        "reason": reason,
        "edited_input": None if edited is None else json.dumps(edited),
    }
    return Envelope.new(
        REDRIVE_TYPE, "orderloom/console", execution_id, data, correlation_id=correlation_id
    )
