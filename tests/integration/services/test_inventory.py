"""The inventory service against real Kafka and PostgreSQL: commands in as the runner sends
them, answers on the reply topic, events on inventory.events, the ledger reconciled."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer, Message, Producer

from inventory_service import ledger
from inventory_service.bootstrap import InventorySettings, build, open_ledger
from inventory_service.handlers import TaskHandler
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import consumer_config, producer_config, topic_name
from orderloom.kafka.records import Received
from orderloom.kafka.topics import DLQ_SUFFIX
from orderloom.outbox.consumer import OutboxConsumer
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.tasks import TASK_FAILED, TASK_REQUESTED, TASK_SUCCEEDED
from orderloom.outbox.writer import OutboxWriter
from orderloom.settings import PROJECT_ROOT, OrderloomSettings
from tests.integration.services.conftest import publish, read, running, task

pytestmark = pytest.mark.usefixtures("topics")
Connection = psycopg.Connection[tuple[object, ...]]
CATALOG = json.loads(Path(PROJECT_ROOT / "sim" / "catalog.json").read_text())


def inventory_settings(settings: OrderloomSettings, schema: str) -> InventorySettings:
    return InventorySettings(
        kafka=settings.kafka,
        postgres=settings.postgres,
        pg_schema=schema,
        group_id=f"inventory-{uuid.uuid4().hex[:8]}",
    )


def seeded(settings: InventorySettings) -> None:
    with open_ledger(settings) as conn:
        ledger.seed(conn, "main", CATALOG["products"])


def answers_by_token(
    settings: OrderloomSettings, codec: EventCodec, count: int
) -> dict[str, Envelope]:
    found = read(settings, codec, "workflow.inputs", count, timeout_s=60)
    return {e.data["task_token"]: e for e in found}


def test_reserve_release_and_sync_answer_the_workflow(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    own = inventory_settings(settings, schema)
    seeded(own)
    lines = [{"sku": "TEE-WHI-002", "quantity": 300, "price_cents": 3900}]
    commands = [
        task(settings, "inventory", "reserve", {"order_id": "A", "lines": lines}, execution_id="A"),
        task(settings, "inventory", "reserve", {"order_id": "B", "lines": lines}, execution_id="B"),
        task(
            settings,
            "inventory",
            "reserve",
            {"order_id": "C", "lines": [{"sku": "NOPE", "quantity": 1}]},
            execution_id="C",
        ),
        task(settings, "inventory", "release", {"order_id": "A"}, execution_id="A"),
        task(settings, "inventory", "release", {"order_id": "A"}, execution_id="A"),
        task(
            settings,
            "inventory",
            "apply_levels",
            {"levels": [{"sku": "TEE-BLA-001", "on_hand": 7}]},
            execution_id="sync",
        ),
        task(settings, "inventory", "reserve", {"order_id": "D"}, execution_id="D"),
    ]
    publish(settings, codec, "inventory.commands", commands)
    with running(build(own, codec)):
        answers = answers_by_token(settings, codec, len(commands))
    a, b, c, release, again, sync, bad = (answers[t.data["task_token"]] for t in commands)
    assert a.type == TASK_SUCCEEDED and a.key == "A"
    assert json.loads(a.data["output"])["lines"][0]["quantity"] == 300
    assert (b.type, b.data["error"]) == (TASK_FAILED, "Stock.OutOfStock")
    assert "TEE-WHI-002 wants 300, 200 available" in b.data["cause"]
    assert (c.type, c.data["error"]) == (TASK_FAILED, "Stock.UnknownSku")
    assert len(json.loads(release.data["output"])["released"]) == 1
    assert json.loads(again.data["output"])["released"] == []
    changed = json.loads(sync.data["output"])["changed"]
    assert {"sku": "TEE-BLA-001", "available": 7} in changed
    assert len(changed) == len(CATALOG["products"])
    assert (bad.data["error"], bad.data["cause"]) == (
        "Inventory.BadRequest",
        "lines: must be a list",
    )
    events = read(settings, codec, "inventory.events", 5, timeout_s=20)
    kinds = Counter(e.type.rsplit(".", 1)[1] for e in events)
    assert kinds["StockReserved"] == 1 and kinds["ReservationRejected"] >= 1
    assert {e.key for e in events if e.type.endswith("StockReserved")} == {"A"}


def test_a_record_that_is_not_a_task_goes_to_the_dead_letter_topic(
    settings: OrderloomSettings, codec: EventCodec, schema: str
) -> None:
    own = inventory_settings(settings, schema)
    commands = topic_name(settings.kafka, "inventory.commands")
    producer = Producer(producer_config(settings.kafka))
    producer.produce(commands, key=b"x", value=b"garbage", headers=[("ce_id", b"1")])
    producer.flush(10)
    ok = task(settings, "inventory", "release", {"order_id": "Z"}, execution_id="Z")
    publish(settings, codec, "inventory.commands", [ok])
    with running(build(own, codec)):
        assert read(settings, codec, "workflow.inputs", 1)[0].data["task_token"] == ok.id
    consumer = Consumer(consumer_config(settings.kafka, f"dlq-{uuid.uuid4()}"))
    consumer.subscribe([commands + DLQ_SUFFIX])
    got: list[Message] = []
    deadline = time.monotonic() + 20
    while not got and time.monotonic() < deadline:
        got = [m for m in consumer.consume(10, 0.5) if m.error() is None]
    consumer.close()
    assert len(got) == 1 and got[0].value() == b"garbage"
    assert dict(got[0].headers() or [])["dlq_reason"] == b"missing-header"


def test_two_hundred_reserved_fifty_released_reconcile_and_replay_changes_nothing(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    own = inventory_settings(settings, schema)
    seeded(own)
    skus = [p["sku"] for p in CATALOG["products"] if p["initial_stock"] >= 1000][:6]
    orders = {
        f"o{n:03}": [
            {"sku": skus[n % len(skus)], "quantity": 1 + n % 4},
            {"sku": skus[(n + 1) % len(skus)], "quantity": 1 + n % 3},
        ]
        for n in range(200)
    }
    released = sorted(orders)[::4]
    commands = [
        task(settings, "inventory", "reserve", {"order_id": o, "lines": lines}, execution_id=o)
        for o, lines in orders.items()
    ] + [task(settings, "inventory", "release", {"order_id": o}, execution_id=o) for o in released]
    publish(settings, codec, "inventory.commands", commands[:200])
    with running(build(own, codec)):
        publish(settings, codec, "inventory.commands", commands[200:])
        answers = answers_by_token(settings, codec, 250)
    assert len(answers) == 250 and all(a.type == TASK_SUCCEEDED for a in answers.values())

    expected: Counter[str] = Counter()
    for order, lines in orders.items():
        if order not in released:
            for line in lines:
                expected[line["sku"]] += line["quantity"]
    assert _reserved(pg) == _active(pg) == dict(expected)
    assert len(released) == 50
    initial = {p["sku"]: p["initial_stock"] for p in CATALOG["products"]}
    assert _on_hand(pg) == initial, "reserving and releasing never change what is on hand"

    replay = inventory_settings(settings, schema)  # a fresh group reads every command again
    with running(build(replay, codec)) as service:
        read(settings, codec, "workflow.inputs", 10**6, timeout_s=8)
    assert service.handled == 0
    assert _reserved(pg) == dict(expected)
    assert len(read(settings, codec, "workflow.inputs", 10**6, timeout_s=5)) == 250


def _reserved(pg: Connection) -> dict[str, int]:
    rows = pg.execute("SELECT sku, reserved FROM stock_items WHERE reserved <> 0").fetchall()
    return {str(sku): int(str(n)) for sku, n in rows}


def _on_hand(pg: Connection) -> dict[str, int]:
    rows = pg.execute("SELECT sku, on_hand FROM stock_items").fetchall()
    return {str(sku): int(str(n)) for sku, n in rows}


def _active(pg: Connection) -> dict[str, int]:
    rows = pg.execute(
        "SELECT sku, sum(quantity) FROM reservations WHERE active GROUP BY sku"
    ).fetchall()
    return {str(sku): int(str(n)) for sku, n in rows}


def test_a_batch_that_deadlocks_is_undone_and_handled_one_record_at_a_time(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    own = inventory_settings(settings, schema)
    seeded(own)
    sku = next(p["sku"] for p in CATALOG["products"] if p["initial_stock"] >= 100)
    line = [{"sku": sku, "quantity": 2}]
    orders = [f"d{n}" for n in range(20)]
    commands = [
        task(settings, "inventory", "reserve", {"order_id": o, "lines": line}, execution_id=o)
        for o in orders
    ]
    publish(settings, codec, "inventory.commands", commands)
    handler = TaskHandler(own.location, topic_name(settings.kafka, "inventory.events"))
    sizes: list[int] = []

    def deadlocks_once(conn: Connection, outbox: OutboxWriter, batch: list[Received]) -> None:
        sizes.append(len(batch))
        handler(conn, outbox, batch)
        if len(sizes) == 1:
            raise psycopg.errors.DeadlockDetected("deadlock detected")

    conn = open_ledger(own)
    service = OutboxConsumer(
        settings.kafka,
        conn,
        group_id=own.group_id,
        accepts={(topic_name(settings.kafka, "inventory.commands"), TASK_REQUESTED): _token},
        handler=deadlocks_once,
        codec=codec,
        relay=OutboxRelay(settings.kafka, conn),
    )
    with running(service):
        answers = read(settings, codec, "workflow.inputs", 10**6, timeout_s=15)
    first = sizes[0]
    assert sizes[1 : 1 + first] == [1] * first, "the undone batch's records, each alone"
    assert sum(sizes[1:]) == 20
    assert sorted(a.data["task_token"] for a in answers) == sorted(c.id for c in commands)
    assert all(a.type == TASK_SUCCEEDED for a in answers)
    assert _reserved(pg) == {sku: 40}, "the undone batch reserved nothing"
    assert service.handled == 20


def _token(envelope: Envelope) -> str:
    return str(envelope.data["task_token"])
