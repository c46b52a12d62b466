"""Errors as RFC 9457 problem details (``application/problem+json``).

``detail`` says what is wrong in plain words; validation problems list each field in
``errors`` and name the first in ``detail``, so a client (or a person) knows what to fix.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    def __init__(
        self, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers, extra


def response(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_errors(error: RequestValidationError) -> list[dict[str, str]]:
    """Each invalid field as ``{"field": "input", "message": ...}`` (body/query prefix dropped)."""
    found = []
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")]
        if item.get("type") == "json_invalid":
            loc = ["body"]
        found.append({"field": ".".join(loc) or "body", "message": str(item.get("msg", ""))})
    return found
