"""``orderloom bench console``: API latency over a read model of a million executions.

The executions are written with COPY into a scratch schema (dropped afterwards): spread
over 30 days, 8 workflows, 5% failed with one of 4 errors, each with a small order input.
One execution has 200 history events. Requests go through the whole app (auth, routing,
JSON) with Starlette's TestClient, so the figures are the API's, minus the network.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from bench.kafka import machine
from console_service import access
from console_service.app import create_app
from console_service.settings import ConsoleOptions, ConsoleSettings
from orderloom.projections.migrations import migrate
from orderloom.settings import OrderloomSettings, PostgresSettings

ERRORS = ("ERP.Timeout", "Payment.Declined", "Stock.OutOfStock", "WMS.Rejected")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(conn: psycopg.Connection[Any], executions: int) -> str:
    """COPY the executions (and one long history); the id of the long one."""
    columns = (
        "execution_id, workflow, correlation_id, status, current_state, error, cause,"
        " failed_state, input, redrive_count, started_at, updated_at, stopped_at,"
        " last_event_id, history_count, fanout_depth"
    )
    with conn.cursor() as cur, cur.copy(f"COPY executions ({columns}) FROM STDIN") as copy:
        for i in range(executions):
            started = T0 + timedelta(seconds=i * 2.6)
            failed = i % 20 == 0
            order = {
                "order_number": f"#{100000 + i}",
                "email": f"c{i}@example.com",
                "quantity": 1 + i % 5,
            }
            copy.write_row(
                (
                    f"exec-{i:07}",
                    f"Workflow{i % 8}",
                    f"order-{i:07}",
                    "FAILED" if failed else "SUCCEEDED",
                    "BookInErp" if failed else "Done",
                    ERRORS[i // 20 % 4] if failed else None,
                    "the vendor did not answer" if failed else None,
                    "BookInErp" if failed else None,
                    json.dumps(order),
                    0,
                    started,
                    started + timedelta(seconds=3),
                    started + timedelta(seconds=3),
                    12,
                    12,
                    0,
                )
            )
    long_one = "exec-0000000"
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY execution_history"
            " (execution_id, event_id, event_type, state_name, timestamp, details) FROM STDIN"
        ) as copy,
    ):
        for n in range(1, 201):
            details = {"name": f"Step{n // 2}", "input": {"n": n}, "output": {"ok": True}}
            kind = "TaskStateEntered" if n % 2 else "TaskStateExited"
            copy.write_row(
                (long_one, n, kind, f"Step{n // 2}", T0 + timedelta(seconds=n), json.dumps(details))
            )
    conn.execute("VACUUM ANALYZE executions")
    conn.execute("VACUUM ANALYZE execution_history")
    return long_one


def _timed(call: Callable[[int], Any], times: int) -> dict[str, float]:
    for i in range(10):
        call(i)
    took = []
    for i in range(times):
        began = time.perf_counter()
        call(i)
        took.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(took, n=100)
    return {"p50_ms": round(cuts[49], 2), "p99_ms": round(cuts[98], 2)}


def run_console_bench(
    settings: OrderloomSettings, *, executions: int, requests: int
) -> dict[str, Any]:
    for name in ("httpx", "httpx2"):
        logging.getLogger(name).setLevel(logging.WARNING)  # one line per request otherwise
    schema = f"bench_console_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        try:
            migrate(conn)
            began = time.perf_counter()
            long_one = _fill(conn, executions)
            fill_s = time.perf_counter() - began
            secret = access.create_token(conn, "bench", "viewer", "bench")[1]
            dsn = make_conninfo(settings.postgres.dsn, options=f"-c search_path={schema}")
            console = ConsoleSettings(
                kafka=settings.kafka,
                postgres=PostgresSettings(dsn=dsn),
                console=ConsoleOptions(project_definitions=False),
            )
            auth = {"Authorization": f"Bearer {secret}"}
            with TestClient(create_app(console)) as client:

                def listing(i: int) -> None:
                    params = {"status": "FAILED", "error": ERRORS[i % 4], "limit": "50"}
                    answer = client.get("/api/executions", params=params, headers=auth)
                    assert answer.status_code == 200 and len(answer.json()["executions"]) == 50

                def searching(i: int) -> None:
                    answer = client.get(
                        "/api/executions",
                        params={"q": f"c{i * 7919 % executions}@example.com"},
                        headers=auth,
                    )
                    assert answer.status_code == 200 and len(answer.json()["executions"]) == 1

                def detail(_: int) -> None:
                    answer = client.get(f"/api/executions/{long_one}/history", headers=auth)
                    assert answer.status_code == 200 and len(answer.json()["events"]) == 200
                    assert (
                        client.get(f"/api/executions/{long_one}", headers=auth).status_code == 200
                    )

                figures = {
                    "executions": executions,
                    "fill_s": round(fill_s, 1),
                    "list_filtered_50": _timed(listing, requests),
                    "list_free_text": _timed(searching, requests),
                    "detail_and_history_200_events": _timed(detail, requests),
                }
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return {"bench": "console", "machine": machine(), **figures}
