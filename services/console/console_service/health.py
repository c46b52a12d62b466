"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database answers and
has every migration the console needs), for a load balancer or Kubernetes' probes."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from console_service import migrations as console_migrations
from console_service.api.problems import response
from console_service.context import ConsoleDep
from orderloom.projections import migrations as read_model_migrations

router = APIRouter()
_WAIT_S = 2.0


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz")
def readyz(request: Request, c: ConsoleDep) -> Response:
    try:
        with c.pool.connection(timeout=_WAIT_S) as conn:
            missing = _missing(conn)
    except psycopg.errors.UndefinedTable:
        missing = ["all"]
    except psycopg.Error as e:
        return response(request, 503, f"the database is not reachable ({type(e).__name__})")
    if missing:
        return response(request, 503, f"migrations not applied: {', '.join(missing)}")
    return JSONResponse({"status": "ready"})


def _missing(conn: psycopg.Connection[Any]) -> list[str]:
    """The migrations the schema lacks, as ``read-model:N`` and ``console:N``."""
    read_model = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
    console = {
        v
        for (v,) in conn.execute(
            "SELECT version FROM component_migrations WHERE component = %s",
            (console_migrations.COMPONENT,),
        )
    }
    return [
        f"read-model:{v}" for v, _, _ in read_model_migrations.MIGRATIONS if v not in read_model
    ] + [f"console:{v}" for v, _, _ in console_migrations.MIGRATIONS if v not in console]
