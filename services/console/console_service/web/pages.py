"""The pages people read: executions (list and one), the audit log, the vendors' pools."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from console_service import audit, diagram, views
from console_service.api.executions import STATUSES, search_of
from console_service.api.problems import Problem
from console_service.context import ConsoleDep, Db
from console_service.search import find, status_counts
from console_service.web.render import page, pretty
from console_service.web.session import Seen
from orderloom.projections import queries
from orderloom.projections.text import parse_when

router = APIRouter()
FILTERS = ("q", "status", "workflow", "error", "state", "order", "since", "until")


def filters_of(request: Request) -> dict[str, str]:
    """The filter fields a form sent, stripped, empty ones left out."""
    return {k: v.strip() for k in FILTERS if (v := request.query_params.get(k, "")).strip()}


def time_of(text: str | None, name: str) -> datetime | None:
    try:
        return parse_when(text) if text else None
    except ValueError as e:
        raise Problem(422, f"{name}: {e}") from e


def search_from(f: dict[str, str]) -> Any:
    return search_of(
        f.get("workflow"),
        f.get("status"),
        f.get("error"),
        f.get("state"),
        time_of(f.get("since"), "since"),
        time_of(f.get("until"), "until"),
        f.get("order"),
        f.get("q"),
    )


@router.get("/", response_class=HTMLResponse)
def executions(request: Request, db: Db, v: Seen, cursor: str | None = None) -> Response:
    f = filters_of(request)
    search = search_from(f)
    try:
        found = find(db, search, limit=50, cursor=cursor)
    except queries.BadCursor as e:
        raise Problem(422, "That page link is out of date; start from the first page.") from e
    counts = status_counts(db, search)
    without_status = {k: v for k, v in f.items() if k != "status"}
    return page(
        request,
        "executions.html",
        user=v.who,
        csrf=v.csrf,
        filters=f,
        executions=found.executions,
        counts=counts,
        total=sum(counts.values()),
        statuses=STATUSES,
        status_link=lambda s: "/?" + urlencode({**without_status, **({"status": s} if s else {})}),
        next_link="/?" + urlencode({**f, "cursor": found.next_cursor})
        if found.next_cursor
        else None,
        bulk_link="/bulk-redrive?" + urlencode(f),
    )


@router.get("/executions/{execution_id}", response_class=HTMLResponse)
def execution(request: Request, execution_id: str, db: Db, v: Seen) -> Response:
    view = views.load(db, execution_id)
    if view is None:
        raise Problem(
            404, f"There is no execution {execution_id!r}. It may not have been recorded yet."
        )
    return execution_page(request, v, view, db)


def execution_page(
    request: Request,
    v: Any,
    view: views.ExecutionView,
    db: Db,
    *,
    edited: str | None = None,
    reason: str = "",
    problem: str | None = None,
    status: int = 200,
) -> Response:
    try:
        svg, svg_problem = view.svg(), None
    except diagram.DiagramError as e:
        svg, svg_problem = None, str(e)
    return page(
        request,
        "execution.html",
        status,
        user=v.who,
        csrf=v.csrf,
        view=view,
        row=view.row,
        svg=svg,
        svg_problem=svg_problem,
        edited=edited if edited is not None else pretty(view.failed_input),
        reason=reason,
        problem=problem,
        may_redrive=v.who.may("operator") and view.redrivable,
        entries=audit.entries(db, target=view.row.execution_id, limit=20),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, db: Db, v: Seen, before: int | None = None) -> Response:
    entries = audit.entries(db, before_id=before, limit=100)
    older = entries[-1].audit_id if len(entries) == 100 else None
    return page(request, "audit.html", user=v.who, csrf=v.csrf, entries=entries, older=older)


@router.get("/vendors", response_class=HTMLResponse)
def vendors(request: Request, c: ConsoleDep, v: Seen) -> Response:
    url = c.settings.console.gateway_url.rstrip("/") + "/pools"
    pools: dict[str, Any] | None = None
    problem = None
    try:
        answer = httpx.get(url, timeout=3.0)
        answer.raise_for_status()
        pools = answer.json()
    except (httpx.HTTPError, ValueError) as e:
        problem = f"{type(e).__name__}: {e}"
    return page(
        request, "vendors.html", user=v.who, csrf=v.csrf, pools=pools, problem=problem, url=url
    )
