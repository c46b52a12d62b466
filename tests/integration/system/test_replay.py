"""Replays against the running system: the workflow inputs of a run's orders fed again
change nothing and capture nothing twice; the history projected again into a fresh schema
gives the same read model."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
import psycopg

from orderloom.events.codec import codec_for
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.projections.projector import rebuild
from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Ports, Vendors
from orderloom.system.main import run_system
from tests.integration.workflow.support import envelopes_of

ROW = (
    "status, coalesce(error, ''), coalesce(current_state, ''), redrive_count, last_event_id, output"
)


def _rows(dsn: str, schema: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            f"SELECT execution_id, {ROW} FROM {schema}.executions WHERE execution_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return {str(r[0]): tuple(r[1:]) for r in rows}


def _captures(dsn: str, ids: list[str]) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT order_id, status, amount_cents, attempt, updated_at FROM "
            "billing.payment_operations WHERE order_id = ANY(%s) ORDER BY order_id",
            (ids,),
        ).fetchall()


def test_replaying_a_run_changes_nothing_and_rebuilds_the_same_read_model(
    base_settings: OrderloomSettings,
) -> None:
    dsn = base_settings.postgres.dsn
    found: dict[str, Any] = {}

    def replay(summary: dict[str, Any]) -> None:
        since = datetime.fromisoformat(summary["since"])
        with psycopg.connect(dsn) as conn:
            ids = [
                str(r[0])
                for r in conn.execute(
                    "SELECT execution_id FROM executions WHERE workflow = 'OrderFulfillment' "
                    "AND started_at >= %s",
                    (since,),
                ).fetchall()
            ]
        before = _rows(dsn, "public", ids), _captures(dsn, ids)
        payments = f"http://127.0.0.1:{Ports().payments}/stats"
        calls = httpx.get(payments).json()["total_requests"]
        starts = [
            e
            for e in envelopes_of(base_settings, codec_for(None), "workflow.inputs")
            if e.type.endswith("StartExecution") and e.key in set(ids)
        ]
        producer = EventProducer(base_settings.kafka, codec_for(None))
        for start in starts:
            producer.publish(topic_name(base_settings.kafka, "workflow.inputs"), start)
        producer.flush()
        time.sleep(5)
        found.update(
            ids=ids,
            starts=len(starts),
            before=before,
            after=(_rows(dsn, "public", ids), _captures(dsn, ids)),
            calls=(calls, httpx.get(payments).json()["total_requests"]),
        )

    run_system(
        base_settings,
        orders=200,
        rate=200,
        bad_share=0.1,
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
        then=replay,
    )

    assert found["starts"] == len(found["ids"]) > 150
    assert found["after"] == found["before"], "the replayed starts changed an order"
    assert found["calls"][1] == found["calls"][0], "the payment provider was called again"
    fresh = f"replay_{uuid.uuid4().hex[:8]}"
    try:
        rebuild(base_settings, schema=fresh)
        assert _rows(dsn, fresh, found["ids"]) == found["before"][0]
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {fresh} CASCADE")
