"""The forms that change things: edit-and-redrive (with a diff first) and bulk redrive."""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console_service import views
from console_service.api.problems import Problem
from console_service.context import ConsoleDep, Db
from console_service.redrive import Refused, bulk_count, bulk_redrive, redrive_one
from console_service.web.pages import FILTERS, execution_page, search_from
from console_service.web.render import page, pretty
from console_service.web.session import Acting, Seen
from orderloom.errors import RetryableError

router = APIRouter()
Text = Annotated[str, Form()]


def diff_lines(before: Any, after: Any) -> list[tuple[str, str]]:
    """(kind, line) of a unified diff of the two inputs as indented JSON; kind is +, - or space."""
    lines = difflib.unified_diff(
        pretty(before).splitlines(), pretty(after).splitlines(), n=3, lineterm=""
    )
    return [(line[:1], line) for line in lines if not line.startswith(("---", "+++"))]


def _edited(view: views.ExecutionView, text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The edited input (None when unchanged) or a plain message about what is wrong."""
    try:
        value = json.loads(text)
    except ValueError as e:
        return None, f"The input is not valid JSON ({e}). Nothing was sent."
    if not isinstance(value, dict):
        return None, "The input must be a JSON object, between { and }. Nothing was sent."
    return (None if value == view.failed_input else value), None


def _view(db: Db, execution_id: str) -> views.ExecutionView:
    view = views.load(db, execution_id)
    if view is None:
        raise Problem(404, f"There is no execution {execution_id!r}.")
    return view


@router.post("/executions/{execution_id}/redrive/preview", response_class=HTMLResponse)
def preview(
    request: Request, execution_id: str, db: Db, v: Acting, csrf: Text, input: Text, reason: Text
) -> Response:
    v.check(csrf)
    view = _view(db, execution_id)
    edited, problem = _edited(view, input)
    if problem is None and not reason.strip():
        problem = "Say why you are redriving: it is kept in the order's history."
    if problem is not None:
        return execution_page(
            request, v, view, db, edited=input, reason=reason, problem=problem, status=422
        )
    return page(
        request,
        "redrive_preview.html",
        user=v.who,
        csrf=v.csrf,
        row=view.row,
        diff=diff_lines(view.failed_input, edited) if edited is not None else [],
        sends_redacted=edited is not None and "[redacted" in json.dumps(edited),
        input=input,
        reason=reason.strip(),
    )


@router.post("/executions/{execution_id}/redrive")
def redrive(
    request: Request,
    execution_id: str,
    c: ConsoleDep,
    db: Db,
    v: Acting,
    csrf: Text,
    input: Text,
    reason: Text,
) -> Response:
    v.check(csrf)
    view = _view(db, execution_id)
    edited, problem = _edited(view, input)
    if problem is not None or not reason.strip():
        return execution_page(
            request, v, view, db, edited=input, reason=reason, problem=problem, status=422
        )
    try:
        redrive_one(db, c.publisher.send, v.who, execution_id, reason.strip(), edited)
    except Refused as e:
        raise Problem(e.status, str(e)) from e
    except RetryableError as e:
        raise Problem(503, "The redrive could not be sent, so nothing was done.") from e
    return RedirectResponse(f"/executions/{execution_id}?redriven=1", status_code=303)


@router.get("/bulk-redrive", response_class=HTMLResponse)
def bulk_form(request: Request, db: Db, v: Seen) -> Response:
    f = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    f = {k: val for k, val in f.items() if val}
    count = bulk_count(db, search_from(f)) if request.query_params.get("count") else None
    return page(request, "bulk.html", user=v.who, csrf=v.csrf, filters=f, count=count, done=None)


@router.post("/bulk-redrive", response_class=HTMLResponse)
def bulk(
    request: Request,
    c: ConsoleDep,
    db: Db,
    v: Acting,
    csrf: Text,
    reason: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    workflow: Annotated[str, Form()] = "",
    error: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
    order: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    v.check(csrf)
    sent = {"q": q, "status": status, "workflow": workflow, "error": error, "state": state}
    sent |= {"order": order, "since": since, "until": until}
    f = {k: val.strip() for k, val in sent.items() if val.strip()}
    if not reason.strip():
        raise Problem(422, "Say why you are redriving these orders: it is kept in each history.")
    limit = c.settings.console.bulk_limit
    try:
        done = bulk_redrive(db, c.publisher.send, v.who, search_from(f), reason.strip(), limit)
    except Refused as e:
        raise Problem(e.status, str(e)) from e
    except RetryableError as e:
        raise Problem(503, "The redrives could not be sent, so nothing was done.") from e
    return page(
        request,
        "bulk.html",
        user=v.who,
        csrf=v.csrf,
        filters=f,
        count=None,
        done=len(done.execution_ids),
        list_link="/?" + urlencode({k: val for k, val in f.items() if k != "status"}),
    )
