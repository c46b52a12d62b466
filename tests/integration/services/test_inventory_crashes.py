"""The inventory service SIGKILLed mid-stream, three times, while it works through 1,000 commands:
no command is applied twice, none is lost, and every answer and event written again
carries the id it had the first time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict

import psycopg
import pytest

from inventory_service import ledger
from inventory_service.bootstrap import InventorySettings, open_ledger
from orderloom.events.codec import EventCodec
from orderloom.settings import OrderloomSettings
from tests.integration.services.conftest import publish, read, read_until, task

pytestmark = pytest.mark.usefixtures("topics")
ORDERS = 750
PRODUCTS = [
    {"sku": f"SKU-{n}", "title": f"Item {n}", "price_cents": 100, "initial_stock": 10_000,
     "backorder": False}
    for n in range(1, 6)
]  # fmt: skip


def _service(settings: OrderloomSettings, schema: str, group: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ORDERLOOM_POSTGRES__DSN": settings.postgres.dsn,
        "ORDERLOOM_PG_SCHEMA": schema,
        "ORDERLOOM_GROUP_ID": group,
        "ORDERLOOM_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from orderloom.cli.inventory import app; app(['run'])"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and '"ready"' in proc.stdout.readline()
    return proc


def test_sigkill_mid_stream_applies_nothing_twice_and_loses_nothing(
    settings: OrderloomSettings,
    codec: EventCodec,
    schema: str,
    pg: psycopg.Connection[tuple[object, ...]],
) -> None:
    own = InventorySettings(kafka=settings.kafka, postgres=settings.postgres, pg_schema=schema)
    with open_ledger(own) as conn:
        ledger.seed(conn, "main", PRODUCTS)
    orders = {f"c{n:03}": 1 + n % 5 for n in range(ORDERS)}
    released = sorted(orders)[::3]
    commands = [
        task(settings, "inventory", "reserve",
             {"order_id": o, "lines": [{"sku": f"SKU-{q}", "quantity": q}]}, execution_id=o)
        for o, q in orders.items()
    ] + [
        task(settings, "inventory", "release", {"order_id": o}, execution_id=o) for o in released
    ]  # fmt: skip
    publish(settings, codec, "inventory.commands", commands)
    group = f"inventory-{uuid.uuid4().hex[:8]}"
    for threshold in (100, 350, 600):
        proc = _service(settings, schema, group)
        while _processed(pg) < threshold:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert _processed(pg) < len(commands), "killed after the work was done"
    proc = _service(settings, schema, group)
    tokens = {c.data["task_token"] for c in commands}
    # a killed member keeps its partitions until its session times out (45 s by default)
    answers = read_until(
        settings,
        codec,
        "workflow.inputs",
        lambda found: {a.data["task_token"] for a in found} >= tokens,
        timeout_s=150,
    )
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0

    ids_by_token: defaultdict[str, set[str]] = defaultdict(set)
    for answer in answers:
        ids_by_token[answer.data["task_token"]].add(answer.id)
    assert set(ids_by_token) == tokens
    assert all(len(ids) == 1 for ids in ids_by_token.values())
    events = read(settings, codec, "inventory.events", 10**6, timeout_s=10)
    reserved = {e.id: e.key for e in events if e.type.endswith("StockReserved")}
    freed = {e.id: e.key for e in events if e.type.endswith("StockReleased")}
    assert sorted(reserved.values()) == sorted(orders)
    assert sorted(freed.values()) == released

    expected: Counter[str] = Counter()
    for order, q in orders.items():
        if order not in released:
            expected[f"SKU-{q}"] += q
    rows = pg.execute("SELECT sku, reserved FROM stock_items WHERE reserved <> 0").fetchall()
    assert {str(sku): int(str(n)) for sku, n in rows} == dict(expected)


def _processed(pg: psycopg.Connection[tuple[object, ...]]) -> int:
    row = pg.execute("SELECT count(*) FROM processed_messages").fetchone()
    return int(str(row[0])) if row else 0
