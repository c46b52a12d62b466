"""Rendering pages: one Jinja2 environment (autoescaping everything), filters for people."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"


def when(moment: datetime | str | None) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(ms: int | float | None) -> str:
    if ms is None:
        return "still going"
    if ms < 1000:
        return f"{int(ms)} ms"
    if ms < 120_000:
        return f"{ms / 1000:.1f} s"
    if ms < 7_200_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:.1f} h"


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@functools.cache
def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES)
    found.env.filters.update(when=when, duration=duration, pretty=pretty)
    found.env.autoescape = True
    return found


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates().TemplateResponse(request, name, context, status_code=status)


def error_page(
    request: Request, status: int, message: str, reference: str | None = None
) -> HTMLResponse:
    """A page that says what happened in plain words; for a failure of ours, the reference
    under which the details are in the log, never the details."""
    plain = {
        401: "Please sign in.",
        403: "You are not allowed to do this.",
        404: "We could not find that.",
        409: "This cannot be done right now.",
        422: "Something in what you entered needs fixing.",
        500: "Something went wrong on our side.",
        503: "A system we depend on is not answering. Nothing was changed; try again shortly.",
    }.get(status, HTTPStatus(status).phrase)
    return page(
        request,
        "error.html",
        status,
        title=plain,
        message=message,
        reference=reference,
        user=getattr(request.state, "user", None),
    )
