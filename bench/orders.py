"""``orderloom bench orders``: the order pipeline measured three ways.

1. Intake: signed webhooks accepted per second (durable in Kafka before the answer).
2. Pipeline: orders per second end to end, and each order's latency (its execution's start
   to its success, from the read model), with vendors answering in 1 ms under a cap of
   100: what the system itself sustains. At 1 ms a call, 100 connections carry far more
   than the pipeline sends; a larger cap only opens more connections to the simulator (at
   1,000 the burst opened ~900, each costing the gateway and the simulator CPU).
3. Backlog: the 17,000-order holiday backlog sent at once against the real cap of 25 and
   realistic latencies scaled by ``time_scale`` (0.01 unless told): the ERP's makespan
   (first call to last answer, at the vendor) against its ideal, the ERP's work divided by
   its cap. The ideal is only reachable where the ERP, not the pipeline, is the bound: at
   0.01 the ERP takes 225 orders/s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka.admin import AdminClient

from bench.kafka import machine
from orderloom.kafka.topics import load_spec
from orderloom.settings import OrderloomSettings
from orderloom.system.layout import CATALOG, Vendors
from orderloom.system.main import run_system
from sim.storefront.bench import run_intake_bench

PIPELINE_VENDORS = Vendors(cap=100, time_scale=1.0, duration="fixed:0.001")


def run_orders_bench(
    settings: OrderloomSettings,
    *,
    orders: int,
    pipeline_orders: int,
    skip_backlog: bool,
    time_scale: float = 0.01,
) -> dict[str, Any]:
    intake = run_intake_bench(settings, orders=5000, concurrency=64)
    figures: dict[str, Any] = {"bench": "orders", "intake_accepted_per_s": intake["accepted_per_s"]}
    pipeline = _run(settings, pipeline_orders, PIPELINE_VENDORS)
    figures.update(_pipeline_figures(settings, pipeline))
    if not skip_backlog:
        backlog = _run(settings, orders, Vendors(time_scale=time_scale))
        erp = backlog["erp"]
        makespan = erp["last_end"] - erp["first_start"]
        ideal = erp["busy_seconds"] / erp["cap"]
        figures.update(
            {
                "backlog_orders": orders,
                "backlog_time_scale": time_scale,
                "backlog_completed": backlog["orders"]["completed"],
                "backlog_erp_makespan_s": round(makespan, 2),
                "backlog_erp_ideal_s": round(ideal, 2),
                "backlog_makespan_over_ideal": round(makespan / ideal, 3),
                "backlog_erp_max_concurrency": erp["max_concurrency"],
                "backlog_erp_violations": erp["violations"],
            }
        )
    figures["machine"] = machine()
    return figures


def _run(settings: OrderloomSettings, orders: int, vendors: Vendors) -> dict[str, Any]:
    """One run of the system on topics of its own, deleted after: work left on the shared
    topics by earlier runs must not count against this one."""
    prefix = f"{settings.kafka.topic_prefix}bench-{uuid.uuid4().hex[:8]}."
    kafka = settings.kafka.model_copy(update={"topic_prefix": prefix})
    isolated = settings.model_copy(update={"kafka": kafka})
    try:
        return _run_on(isolated, orders, vendors)
    finally:
        admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
        names = [s.name for s in load_spec(prefix=prefix)]
        for future in admin.delete_topics(names).values():
            future.result()


def _run_on(settings: OrderloomSettings, orders: int, vendors: Vendors) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return run_system(
            settings,
            catalog=_stocked_for(orders, Path(folder)),
            orders=orders,
            rate=0,
            bad_share=0.0,
            vendors=vendors,
            stay=False,
            stop=threading.Event(),
            say=_to_stderr,
        )


def _stocked_for(orders: int, folder: Path) -> Path:
    """The catalogue with stock for ``orders`` orders in every SKU (an order takes at most
    3 units of one): the figures are about the pipeline, not orders refused for stock."""
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    for product in catalog["products"]:
        product["initial_stock"] = max(product["initial_stock"], orders * 3)
    path = folder / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    return path


def _pipeline_figures(settings: OrderloomSettings, summary: dict[str, Any]) -> dict[str, Any]:
    with psycopg.connect(settings.postgres.dsn) as conn:
        rows = conn.execute(
            "SELECT started_at, stopped_at FROM executions WHERE workflow = 'OrderFulfillment' "
            "AND status = 'SUCCEEDED' AND started_at >= %s",
            (datetime.fromisoformat(summary["since"]),),
        ).fetchall()
    latencies = sorted((stop - start).total_seconds() for start, stop in rows)
    span = (max(r[1] for r in rows) - min(r[0] for r in rows)).total_seconds()
    return {
        "pipeline_orders": len(rows),
        "pipeline_orders_per_s": round(len(rows) / span, 1),
        "pipeline_latency_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "pipeline_latency_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


def _to_stderr(message: str) -> None:
    """Progress on stderr: stdout carries the bench's one JSON line."""
    print(message, file=sys.stderr)
