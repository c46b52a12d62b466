"""The order's event log on the real broker: an order's execution history in, its domain
events out, in order, each with an id derived from its history event (a history record
seen twice yields the same ids)."""

from __future__ import annotations

import json
import threading
from typing import Any

from order_service.event_writer import build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.settings import OrderloomSettings
from orderloom.workflow.local import run_local
from orderloom.workflow.messages import HistoryEvent
from orderloom.workflow.wire import recorded
from tests.integration.conftest import TopicMaker
from tests.unit.order.test_steps import DEFINITION, GOOD

STEPS: dict[str, Any] = {
    "local:order.validate": lambda order: {"valid": True},
    "service:inventory.reserve": lambda x: {"order_id": x["order_id"], "lines": x["lines"]},
    "vendor:erp.create_sales_order": lambda x: {"sales_order": "SO-1"},
    "service:billing.capture": lambda x: {"capture_id": "cap-1", "amount_cents": 2500},
    "service:inventory.commit": lambda x: {"order_id": x["order_id"], "committed": True},
    "vendor:erp.cancel_sales_order": lambda x: {"cancelled": True},
    "vendor-async:threepl.create_shipment": lambda x: {"queued": True},
    "vendor-async:storefront.mark_fulfilled": lambda x: {"queued": True},
    "service:inventory.release": lambda x: {"order_id": x["order_id"], "released": []},
}


def _declined(x: Any) -> Any:
    raise type("Declined", (Exception,), {"error": "Payment.Declined"})("card declined")


def _cancelled(x: Any) -> Any:
    raise type("Cancelled", (Exception,), {"error": "Billing.OrderCancelled"})("cancelled")


def _history(order_id: str, history: list[HistoryEvent]) -> Envelope:
    return Envelope.new(
        "orderloom.workflow.HistoryRecorded",
        "tests",
        order_id,
        {
            "execution_id": order_id,
            "workflow": "OrderFulfillment",
            "events": [recorded(e) for e in history],
        },
        correlation_id=order_id,
    )


def test_histories_become_each_orders_event_log_once(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    history_topic = make_topic("workflow.history", partitions=3)
    log_topic = make_topic("order.events", partitions=3)
    good = run_local(DEFINITION, {**GOOD, "order_id": "o-good"}, STEPS).history
    bad = run_local(
        DEFINITION, {**GOOD, "order_id": "o-bad"}, {**STEPS, "service:billing.capture": _declined}
    ).history
    stopped = run_local(
        DEFINITION,
        {**GOOD, "order_id": "o-stop"},
        {**STEPS, "service:billing.capture": _cancelled},
    ).history
    producer = EventProducer(settings.kafka, codec)
    for envelope in (
        _history("o-good", good),
        _history("o-bad", bad),
        _history("o-stop", stopped),
        _history("o-good", good),
    ):
        producer.publish(history_topic, envelope)
    producer.flush()

    done = threading.Event()
    processor = build(settings)
    thread = threading.Thread(target=processor.run, args=(done,))
    thread.start()
    events = read_envelopes(settings.kafka, codec, log_topic, count=23, timeout_s=20)
    done.set()
    thread.join(30)

    by_order: dict[str, list[str]] = {}
    for r in events:
        by_order.setdefault(r.envelope.key, []).append(r.envelope.type.rsplit(".", 1)[1])
    assert by_order["o-bad"] == ["StockReserved", "SalesOrderCreated", "OrderFailed"]
    assert by_order["o-stop"] == ["StockReserved", "SalesOrderCreated", "FulfillmentCancelled"]
    stop = next(r.envelope for r in events if r.envelope.type.endswith("FulfillmentCancelled"))
    assert stop.data["reason"] == "Billing.OrderCancelled"
    assert by_order["o-good"][:5] == [
        "StockReserved",
        "SalesOrderCreated",
        "PaymentCaptured",
        "ShipmentRequested",
        "OrderCompleted",
    ]
    assert len({r.envelope.id for r in events if r.envelope.key == "o-good"}) == 5
    failed = next(r.envelope for r in events if r.envelope.type.endswith("OrderFailed"))
    assert (failed.data["error"], failed.data["state"]) == ("Payment.Declined", "OrderFailed")
    assert json.loads(
        next(r.envelope for r in events if r.envelope.type.endswith("PaymentCaptured")).data[
            "details"
        ]
    ) == {"capture_id": "cap-1", "amount_cents": 2500}
