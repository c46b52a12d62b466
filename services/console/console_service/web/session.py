"""Logging in and out, and who is looking at a page.

The session cookie holds a random id (stored hashed) and is HttpOnly and SameSite=Lax.
Every form carries the session's CSRF token, compared in constant time; the login form,
before any session exists, uses a double-submit token (cookie and field must agree).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console_service import access, audit
from console_service.access import Principal
from console_service.api.problems import Problem
from console_service.context import ConsoleDep, Db
from console_service.web.render import page

COOKIE = "orderloom_session"
LOGIN_CSRF = "orderloom_login_csrf"
router = APIRouter()


class LoginRequired(Exception):
    """The page needs a signed-in user; the handler sends them to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Visitor:
    who: Principal
    csrf: str

    def check(self, token: str) -> None:
        if not hmac.compare_digest(token.encode(), self.csrf.encode()):
            raise Problem(403, "This form has expired. Go back, reload the page and try again.")


def visitor(request: Request, db: Db) -> Visitor:
    found = (
        access.session(db, request.cookies.get(COOKIE, "")) if request.cookies.get(COOKIE) else None
    )
    if found is None:
        raise LoginRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    request.state.user = found[0]
    return Visitor(*found)


def operator(v: Annotated[Visitor, Depends(visitor)]) -> Visitor:
    if not v.who.may("operator"):
        raise Problem(403, f"Redriving needs the operator role; you are a {v.who.role}.")
    return v


Seen = Annotated[Visitor, Depends(visitor)]
Acting = Annotated[Visitor, Depends(operator)]


def _safe_next(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", failed: bool = False) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        401 if failed else 200,
        csrf=token,
        next=_safe_next(next),
        failed=failed,
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
def login(
    request: Request,
    c: ConsoleDep,
    db: Db,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        raise Problem(403, "This form has expired. Go back, reload the page and try again.")
    who = access.login(db, username, password)
    if who is None:
        return RedirectResponse(f"/login?failed=1&next={quote(_safe_next(next))}", status_code=303)
    with db.transaction():
        session_id = access.open_session(db, who, c.settings.console.session_hours)
        audit.record(db, who, "login", target=who.name)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(c.settings.console.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=c.settings.console.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: Db, v: Seen, csrf: Annotated[str, Form()]) -> Response:
    v.check(csrf)
    access.close_session(db, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
