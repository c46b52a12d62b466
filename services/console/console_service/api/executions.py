"""Reading executions: filtered pages, status counts, detail, history, definition."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from console_service import definitions, views
from console_service.api.auth import Viewer
from console_service.api.problems import Problem
from console_service.context import Db
from console_service.search import Search, find, status_counts
from orderloom.projections import queries
from orderloom.workflow.execution import FAILED, RUNNING, SUCCEEDED, TIMED_OUT

STATUSES = (RUNNING, SUCCEEDED, FAILED, TIMED_OUT)
router = APIRouter(prefix="/executions", tags=["executions"])


def search_of(
    workflow: str | None = None,
    status: str | None = None,
    error: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    order: str | None = None,
    q: str | None = None,
) -> Search:
    """Query parameters as a search (``order`` is the order/correlation id, ``q`` free text)."""
    if status is not None and status.upper() not in STATUSES:
        raise Problem(422, f"status: must be one of {', '.join(STATUSES)}")
    where = queries.ExecutionFilter(
        status=status.upper() if status else None,
        workflow=workflow or None,
        error=error or None,
        state=state or None,
        since=since,
        until=until,
        correlation_id=order or None,
    )
    return Search(where, q.strip() if q and q.strip() else None)


@router.get("")
def list_executions(
    db: Db,
    _: Viewer,
    workflow: str | None = None,
    status: str | None = None,
    error: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    order: str | None = None,
    q: Annotated[str | None, Query(description="Order number, email, id...")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Executions newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    search = search_of(workflow, status, error, state, since, until, order, q)
    try:
        page = find(db, search, limit=limit, cursor=cursor)
    except queries.BadCursor as e:
        raise Problem(422, f"cursor: {e}") from e
    return {
        "executions": [queries.execution_json(e) for e in page.executions],
        "next_cursor": page.next_cursor,
    }


@router.get("/counts")
def counts(
    db: Db,
    _: Viewer,
    workflow: str | None = None,
    error: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    order: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """How many executions match, per status."""
    search = search_of(workflow, None, error, state, since, until, order, q)
    return {"counts": status_counts(db, search)}


@router.get("/{execution_id}")
def execution(execution_id: str, db: Db, _: Viewer) -> dict[str, Any]:
    """Input, output, current state, error and cause, redrives, timings and steps."""
    return _view(db, execution_id).as_json()


@router.get("/{execution_id}/history")
def history(execution_id: str, db: Db, _: Viewer) -> dict[str, Any]:
    """Every history event, in Step Functions' vocabulary, oldest first."""
    view = _view(db, execution_id)
    return {"execution_id": execution_id, "events": [queries.history_json(e) for e in view.history]}


@router.get("/{execution_id}/definition")
def definition(execution_id: str, db: Db, _: Viewer) -> dict[str, Any]:
    """The Amazon States Language definition the execution started with."""
    found = definitions.definition_of(db, execution_id)
    if found is None:
        raise Problem(404, f"no definition is known for execution {execution_id!r}")
    return {"execution_id": execution_id, "digest": definitions.digest(found), "definition": found}


def _view(db: Db, execution_id: str) -> views.ExecutionView:
    view = views.load(db, execution_id)
    if view is None:
        raise Problem(404, f"there is no execution {execution_id!r}")
    return view
