"""Logging in and out, and who is looking at a page.

The session cookie holds a random id (stored hashed) and is HttpOnly, SameSite=Lax and, over
HTTPS, Secure. Every form carries the session's CSRF token, compared in constant time; the
login form, before any session exists, uses a double-submit token (cookie and field must
agree). Failed logins are counted per user name and per address (``logins``): past the
limit, attempts are answered 429 with Retry-After, without looking at the password.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console_service import access, audit, logins
from console_service.access import Principal
from console_service.api.problems import Problem
from console_service.context import ConsoleDep, Db
from console_service.settings import ConsoleOptions
from console_service.throttle import Policy
from console_service.web.render import page

COOKIE = "orderloom_session"
LOGIN_CSRF = "orderloom_login_csrf"
router = APIRouter()
log = logging.getLogger(__name__)


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
def login_form(request: Request, c: ConsoleDep, next: str = "/", failed: bool = False) -> Response:
    return _login_page(request, c, next, 401 if failed else 200, failed=failed)


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
    attempt = logins.Attempt(username, request.client.host if request.client else "unknown")
    wait = logins.locked_for(db, attempt)
    if wait is None:
        who = access.login(db, username, password)
        if who is not None:
            return _signed_in(request, c, db, who, next)
        logins.failed(db, attempt, *_policies(c.settings.console))
        wait = logins.locked_for(db, attempt)
    else:
        log.warning(
            "login refused while locked out",
            extra={"user": attempt.username[:200], "address": attempt.address},
        )
    if wait is None:
        return RedirectResponse(f"/login?failed=1&next={quote(_safe_next(next))}", status_code=303)
    response = _login_page(request, c, next, 429, locked_min=math.ceil(wait.total_seconds() / 60))
    response.headers["Retry-After"] = logins.retry_after(wait)
    return response


def _policies(options: ConsoleOptions) -> tuple[Policy, Policy]:
    window = timedelta(seconds=options.login_window_s)
    lockout = timedelta(seconds=options.login_lockout_s)
    return (
        Policy(options.login_limit_per_user, window, lockout),
        Policy(options.login_limit_per_address, window, lockout),
    )


def _login_page(request: Request, c: ConsoleDep, next: str, status: int, **shown: Any) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", status, csrf=token, next=_safe_next(next), **shown)
    response.set_cookie(
        LOGIN_CSRF,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=_secure(request, c),
    )
    return response


def _signed_in(request: Request, c: ConsoleDep, db: Db, who: Principal, next: str) -> Response:
    with db.transaction():
        logins.succeeded(db, who.name)
        session_id = access.open_session(db, who, c.settings.console.session_hours)
        audit.record(db, who, "login", target=who.name)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(c.settings.console.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(request, c),
    )
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


def _secure(request: Request, c: ConsoleDep) -> bool:
    """Cookies go over HTTPS only when the console is served over it (or is told to)."""
    return c.settings.console.secure_cookies or request.url.scheme == "https"


@router.post("/logout")
def logout(request: Request, db: Db, v: Seen, csrf: Annotated[str, Form()]) -> Response:
    v.check(csrf)
    access.close_session(db, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
