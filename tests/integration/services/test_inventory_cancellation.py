"""Cancellations, commitments and restocks through the real inventory service: the order
of commands decides nothing the ledger cannot undo, and every effect happens once."""

from __future__ import annotations

import json

import psycopg
import pytest

from inventory_service.bootstrap import build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.outbox.tasks import TASK_FAILED, TASK_SUCCEEDED
from orderloom.settings import OrderloomSettings
from tests.integration.services.conftest import publish, read, running, task
from tests.integration.services.test_inventory import answers_by_token, inventory_settings, seeded

pytestmark = pytest.mark.usefixtures("topics")
Connection = psycopg.Connection[tuple[object, ...]]
LINES = [{"sku": "TEE-BLA-001", "quantity": 2}, {"sku": "MUG-WHI-022", "quantity": 1}]


def test_cancel_in_every_order_against_reserve_and_commit_and_restock_once(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    own = inventory_settings(settings, schema)
    seeded(own)
    available = _available(pg)

    def do(action: str, order: str, **body: object) -> Envelope:
        return task(settings, "inventory", action, {"order_id": order, **body}, execution_id=order)

    restock = {"refund_id": 9, "lines": [{"sku": "TEE-BLA-001", "quantity": 1}]}
    commands = [
        do("cancel", "early"),
        do("reserve", "early", lines=LINES),
        do("reserve", "late", lines=LINES),
        do("cancel", "late"),
        do("commit", "late"),
        do("reserve", "shipped", lines=LINES),
        do("commit", "shipped"),
        do("cancel", "shipped"),
        do("restock", "shipped", **restock),
        do("restock", "shipped", **restock),
        do("cancel", "late"),
        do("cancel", "early"),
    ]
    publish(settings, codec, "inventory.commands", commands)
    with running(build(own, codec)):
        answers = answers_by_token(settings, codec, len(commands))
    got = [answers[c.data["task_token"]] for c in commands]
    outcome = [(a.type, a.data.get("error")) for a in got]
    ok, cancelled = (TASK_SUCCEEDED, None), (TASK_FAILED, "Inventory.OrderCancelled")
    assert outcome == [
        ok,
        cancelled,
        ok,
        ok,
        cancelled,
        ok,
        ok,
        (TASK_FAILED, "Inventory.AlreadyShipped"),
        ok,
        ok,
        ok,
        ok,
    ]
    assert len(json.loads(got[3].data["output"])["released"]) == 2
    assert json.loads(got[10].data["output"])["released"] == []
    restocked = [json.loads(a.data["output"])["restocked"] for a in got[8:10]]
    assert restocked == [[{"sku": "TEE-BLA-001", "quantity": 1}]] * 2

    held = pg.execute(
        "SELECT order_id, sum(quantity) FROM reservations WHERE active GROUP BY 1"
    ).fetchall()
    assert held == [("shipped", 3)]
    after = _available(pg)
    assert available["TEE-BLA-001"] - after["TEE-BLA-001"] == 1
    assert available["MUG-WHI-022"] - after["MUG-WHI-022"] == 1
    facts = pg.execute("SELECT order_id, cancelled, committed FROM order_facts ORDER BY 1")
    assert facts.fetchall() == [
        ("early", True, False),
        ("late", True, False),
        ("shipped", False, True),
    ]
    events = read(settings, codec, "inventory.events", 9, timeout_s=20)
    kinds = sorted(e.type.rsplit(".", 1)[1] for e in events)
    assert kinds == [
        "OrderCancelled",
        "OrderCancelled",
        "ReservationCommitted",
        "StockReleased",
        "StockReserved",
        "StockReserved",
        "StockRestocked",
    ]


def _available(pg: Connection) -> dict[str, int]:
    rows = pg.execute("SELECT sku, on_hand - reserved FROM stock_items").fetchall()
    return {str(sku): int(str(n)) for sku, n in rows}
