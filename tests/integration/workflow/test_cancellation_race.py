"""A cancellation racing its order's fulfilment through the real runner, inventory and
billing services (the vendors played by a gateway stand-in that answers every request):
whatever the interleaving, each order ends either cancelled with nothing kept, or shipped
with the cancellation refused, and never half of each."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from billing_service.bootstrap import BillingSettings
from billing_service.bootstrap import build as build_billing
from inventory_service import ledger
from inventory_service.bootstrap import InventorySettings, open_ledger
from inventory_service.bootstrap import build as build_inventory
from order_service.intake import definitions
from order_service.steps import HANDLERS
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.host import build as build_runner
from tests.integration.conftest import spec_topics
from tests.integration.services.conftest import running
from tests.integration.services.test_billing import gateway_answer
from tests.integration.workflow.support import Histories, answering, read_histories

TOPICS = (
    "workflow.inputs",
    "workflow.history",
    "workflow.snapshots",
    "vendor.requests",
    "inventory.commands",
    "inventory.events",
    "billing.commands",
    "billing.events",
    "billing.vendor-replies",
)
RACING = [f"race-{n}" for n in range(9)]
WAVES = {"": RACING[:3], "CapturePayment": RACING[3:6], "CommitStock": RACING[6:]}
"""Cancellations sent with the order, once it entered the capture, once it entered the commit."""
LATE = ["late-0", "late-1"]
Connection = psycopg.Connection[tuple[object, ...]]


@pytest.fixture
def topics(settings: OrderloomSettings, admin: AdminClient) -> Iterator[None]:
    with spec_topics(admin, settings.kafka.topic_prefix, TOPICS):
        yield


@contextmanager
def schema_of_its_own(pg: Connection) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg.execute(f"CREATE SCHEMA {name}")
    try:
        yield name
    finally:
        pg.execute(f"DROP SCHEMA {name} CASCADE")


def vendors(settings: OrderloomSettings, codec: EventCodec) -> AbstractContextManager[None]:
    """Answers every sync vendor request with success, as the gateway would."""

    def succeed(request: Envelope) -> tuple[str, Envelope] | None:
        if not request.data.get("reply_topic"):
            return None
        reference = {"id": f"ref-{request.data['request_id']}"}
        return request.data["reply_topic"], gateway_answer(request, output=reference)

    return answering(settings, codec, "vendor.requests", succeed)


@contextmanager
def runner(settings: OrderloomSettings) -> Iterator[None]:
    processor, _ = build_runner(settings, HANDLERS)
    stop = threading.Event()
    thread = threading.Thread(target=processor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def start(
    settings: OrderloomSettings, codec: EventCodec, starts: list[tuple[str, str, Any]]
) -> None:
    producer = EventProducer(settings.kafka, codec)
    flows = definitions()
    for execution_id, workflow, document in starts:
        envelope = wire.start(
            execution_id, workflow, flows[workflow], document, correlation_id=document["order_id"]
        )
        producer.publish(topic_name(settings.kafka, "workflow.inputs"), envelope)
    producer.flush()


def order(order_id: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "order_number": f"#{order_id}",
        "email": "a@example.com",
        "currency": "EUR",
        "total_cents": 7800,
        "lines": [{"sku": "TEE-BLA-001", "quantity": 2, "price_cents": 3900}],
        "shipping_address": {"country_code": "NL"},
        "payment": {"payment_token": "tok_ok", "financial_status": None},
    }


def cancellation(order_id: str) -> tuple[str, str, Any]:
    document = {"order_id": order_id, "order_number": f"#{order_id}", "reason": "customer"}
    return f"{order_id}-cancellation", "OrderCancellation", document


def ended(ids: list[str]) -> Any:
    def check(histories: Histories) -> bool:
        return all(
            histories.get(i)
            and histories[i][-1]["event_type"] in ("ExecutionSucceeded", "ExecutionFailed")
            for i in ids
        )

    return check


def entered(state: str, ids: list[str]) -> Any:
    def check(histories: Histories) -> bool:
        return all(
            any(
                e["event_type"] == "TaskStateEntered"
                and json.loads(e["details"]).get("name") == state
                for e in histories.get(i, [])
            )
            for i in ids
        )

    return check


def end_of(history: list[dict[str, Any]]) -> tuple[str, str | None]:
    """(the last Succeed or Fail state entered, the execution's error)."""
    states = [
        json.loads(e["details"])["name"]
        for e in history
        if e["event_type"] in ("SucceedStateEntered", "FailStateEntered")
    ]
    last = json.loads(history[-1]["details"])
    return (states[-1] if states else "", last.get("error"))


def test_a_cancellation_racing_its_fulfilment_ends_cancelled_or_refused_never_half(
    settings: OrderloomSettings, codec: EventCodec, topics: None, pg: Connection
) -> None:
    with schema_of_its_own(pg) as inventory_schema, schema_of_its_own(pg) as billing_schema:
        stock = InventorySettings(
            kafka=settings.kafka, postgres=settings.postgres, pg_schema=inventory_schema
        )
        money = BillingSettings(
            kafka=settings.kafka, postgres=settings.postgres, pg_schema=billing_schema
        )
        with open_ledger(stock) as conn:
            ledger.seed(conn, "main", [_tee()])
        with (
            running(build_inventory(stock, codec)),
            running(build_billing(money, codec)),
            vendors(settings, codec),
            runner(settings),
        ):
            orders = [(o, "OrderFulfillment", order(o)) for o in RACING + LATE]
            start(settings, codec, orders + [cancellation(o) for o in WAVES[""]])
            for state in ("CapturePayment", "CommitStock"):
                read_histories(settings, codec, entered(state, WAVES[state]), timeout_s=60)
                start(settings, codec, [cancellation(o) for o in WAVES[state]])
            first = RACING + LATE + [f"{o}-cancellation" for o in RACING]
            read_histories(settings, codec, ended(first), timeout_s=120)
            start(settings, codec, [cancellation(o) for o in LATE])
            every = first + [f"{o}-cancellation" for o in LATE]
            histories = read_histories(settings, codec, ended(every), timeout_s=120)
        held = _by_order(
            pg, f"SELECT order_id, sum(quantity) FROM {inventory_schema}.reservations WHERE active"
        )
        kept = _by_order(
            pg,
            "SELECT order_id,"
            " sum(CASE kind WHEN 'capture' THEN amount_cents ELSE -amount_cents END)"
            f" FROM {billing_schema}.payment_operations WHERE status = 'done'",
        )
        captures = _by_order(
            pg,
            f"SELECT order_id, count(*) FROM {billing_schema}.payment_operations"
            " WHERE kind = 'capture'",
        )

    outcomes = {}
    for o in RACING + LATE:
        fulfilment, cancelled = end_of(histories[o]), end_of(histories[f"{o}-cancellation"])
        outcomes[o] = (fulfilment, cancelled)
        if fulfilment == ("OrderCancelled", None):
            assert cancelled == ("OrderCancelled", None), o
            assert (held.get(o, 0), kept.get(o, 0)) == (0, 0), f"{o} keeps nothing"
        else:
            assert fulfilment == ("OrderCompleted", None), (
                o,
                [(e["event_type"], e["details"][:300]) for e in histories[o][-4:]],
            )
            assert cancelled == ("", "Inventory.AlreadyShipped"), o
            assert (held[o], kept[o]) == (2, 7800), f"{o} keeps its stock and payment"
        assert captures.get(o, 0) <= 1
    assert all(outcomes[o][0] == ("OrderCompleted", None) for o in LATE)


def _tee() -> dict[str, Any]:
    return {
        "sku": "TEE-BLA-001",
        "title": "Black Tee",
        "price_cents": 3900,
        "initial_stock": 1000,
        "backorder": False,
    }


def _by_order(pg: Connection, query: str) -> dict[str, int]:
    return {str(o): int(str(n)) for o, n in pg.execute(f"{query} GROUP BY order_id").fetchall()}
