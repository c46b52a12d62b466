"""Errors as RFC 9457 problem details (``application/problem+json``), one builder each.

Storefront operators read these in their webhook delivery logs, so each says what is
wrong and, for invalid payloads, which field.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ValidationError

MEDIA_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("line_items", 0, "price")`` -> ``line_items[0].price``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "(body)"


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """Each of the payload's invalid fields by its path, with what is wrong."""
    return [{"field": field_path(e["loc"]), "message": e["msg"]} for e in error.errors()]
