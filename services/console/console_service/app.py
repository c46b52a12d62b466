"""The console's FastAPI app: REST API under /api, web console at /, one process.

``create_app`` builds it; nothing connects until the lifespan starts, which opens the
PostgreSQL pool, applies the read model's and the console's migrations, starts the Kafka
producer and (unless turned off) the definitions projection, and closes them all when the
app stops. Every response carries the security headers (``web.headers``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from psycopg_pool import ConnectionPool
from starlette.exceptions import HTTPException

from console_service import health
from console_service.api import actions, admin, executions
from console_service.api.problems import Problem, field_errors, response
from console_service.context import Console
from console_service.definitions import project_definitions
from console_service.migrations import migrate_console
from console_service.publish import InputsPublisher
from console_service.settings import ConsoleSettings
from console_service.web import forms, pages, session
from console_service.web.headers import SecurityHeaders, security_headers
from console_service.web.render import error_page
from orderloom.projections.migrations import migrate

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "web" / "static"


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or ConsoleSettings()
        pool = ConnectionPool(
            chosen.postgres.dsn, min_size=1, max_size=8, kwargs={"autocommit": True}, open=False
        )
        pool.open(wait=True, timeout=30)
        with pool.connection() as conn:
            migrate(conn)
            migrate_console(conn)
        stop = threading.Event()
        projection = threading.Thread(
            target=project_definitions, args=(chosen, stop), name="definitions", daemon=True
        )
        if chosen.console.project_definitions:
            projection.start()
        app.state.console = Console(chosen, pool, InputsPublisher(chosen))
        try:
            yield
        finally:
            stop.set()
            if projection.is_alive():
                projection.join(10)
            pool.close()

    app = FastAPI(
        title="Orderloom operations console",
        description="Executions, redrive, bulk redrive, replay, access and the audit log.",
        lifespan=lifespan,
    )
    for router in (executions.router, actions.router, admin.router):
        app.include_router(router, prefix="/api")
    for router in (session.router, pages.router, forms.router, health.router):
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    _errors(app)
    return app


def _errors(app: FastAPI) -> None:
    def api(request: Request) -> bool:
        return request.url.path.startswith("/api")

    @app.exception_handler(session.LoginRequired)
    async def login(request: Request, e: session.LoginRequired) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": e.next_path}), status_code=303)

    @app.exception_handler(Problem)
    async def problem(request: Request, e: Problem) -> Response:
        if api(request):
            return response(request, e.status, e.detail, e.headers, **e.extra)
        return error_page(request, e.status, e.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> Response:
        errors = field_errors(e)
        detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
        if api(request):
            return response(request, 422, detail, errors=errors)
        return error_page(request, 422, detail)

    @app.exception_handler(HTTPException)
    async def http(request: Request, e: HTTPException) -> Response:
        if api(request):
            return response(request, e.status_code, str(e.detail), dict(e.headers or {}))
        return error_page(request, e.status_code, str(e.detail))

    @app.exception_handler(Exception)
    async def crash(request: Request, e: Exception) -> Response:
        """What failed goes to the log only; the answer names the reference to quote. It is
        sent from outside the middleware, so it gets the security headers here."""
        reference = uuid.uuid4().hex[:12]
        log.exception("request failed", extra={"reference": reference, "path": request.url.path})
        detail = f"something went wrong on our side (reference {reference})"
        if api(request):
            answer: Response = response(request, 500, detail, reference=reference)
        else:
            answer = error_page(request, 500, detail, reference=reference)
        answer.headers.update(security_headers(request.url.path, request.url.scheme == "https"))
        return answer
