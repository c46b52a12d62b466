"""The billing service's two halves against real Kafka and PostgreSQL, the gateway's part
played by records published as the gateway publishes them:
(a) a capture command makes exactly one VendorRequest and a pending capture;
(b) the gateway's answer on billing's reply topic completes it and answers the workflow."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import psycopg
import pytest

from billing_service.bootstrap import REPLIES_TOPIC, BillingSettings, build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.outbox.tasks import TASK_FAILED, TASK_SUCCEEDED
from orderloom.settings import OrderloomSettings
from tests.integration.services.conftest import publish, read, running, task

pytestmark = pytest.mark.usefixtures("topics")
Connection = psycopg.Connection[tuple[object, ...]]


def billing_settings(settings: OrderloomSettings, schema: str) -> BillingSettings:
    return BillingSettings(
        kafka=settings.kafka,
        postgres=settings.postgres,
        pg_schema=schema,
        group_id=f"billing-{uuid.uuid4().hex[:8]}",
    )


def capture(settings: OrderloomSettings, order: str, token: str = "pm_ok") -> Envelope:
    body = {"order_id": order, "amount_cents": 4200, "currency": "EUR", "payment_token": token}
    return task(settings, "billing", "capture", body, execution_id=f"exec-{order}")


def gateway_answer(request: Envelope, *, output: object = None, error: str = "") -> Envelope:
    """What the gateway sends back for a sync request with a reply topic and token."""
    data: dict[str, str] = {"execution_id": request.key, "task_token": request.data["task_token"]}
    if error:
        kind, data["error"] = TASK_FAILED, error
        data["cause"] = json.dumps({"status": 402, "body": '{"error": "card declined"}'})
    else:
        kind, data["output"] = TASK_SUCCEEDED, json.dumps(output)
    return request.caused(
        kind,
        "orderloom/vendor-gateway",
        data,
        id=f"{request.data['request_id']}/reply",
        time=datetime.now(UTC),
    )


def test_a_capture_makes_one_vendor_request_and_a_pending_capture(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    first, second = capture(settings, "o-1"), capture(settings, "o-1")
    publish(settings, codec, "billing.commands", [first])
    with running(build(billing_settings(settings, schema), codec)):
        (request,) = read(settings, codec, "vendor.requests", 1)
        publish(settings, codec, "billing.commands", [second, capture(settings, "o-2")])
        requests = read(settings, codec, "vendor.requests", 3, timeout_s=5)
    assert request.key == "o-1" and request.id == "capture:o-1:1"
    assert request.data | {"body": json.loads(request.data["body"])} == {
        "request_id": "capture:o-1:1",
        "vendor": "payments",
        "operation": "capture",
        "lane": "sync",
        "body": {
            "order_id": "o-1",
            "amount_cents": 4200,
            "currency": "EUR",
            "payment_token": "pm_ok",
        },
        "idempotency_key": "capture:o-1",
        "deadline_ms": request.data["deadline_ms"],
        "reply_topic": topic_name(settings.kafka, REPLIES_TOPIC),
        "task_token": "capture:o-1:1",
    }
    assert sorted(r.data["idempotency_key"] for r in requests) == ["capture:o-1", "capture:o-2"]
    row = pg.execute(
        "SELECT status, request_id, jsonb_array_length(waiters) FROM payment_operations"
        " WHERE order_id = 'o-1' AND kind = 'capture'"
    ).fetchone()
    assert row == ("pending", "capture:o-1:1", 2)
    assert read(settings, codec, "workflow.inputs", 1, timeout_s=3) == []


def test_the_gateways_answer_completes_the_capture_and_answers_the_workflow(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    ok, declined = capture(settings, "o-ok"), capture(settings, "o-no", token="pm_declined")
    publish(settings, codec, "billing.commands", [ok, declined])
    with running(build(billing_settings(settings, schema), codec)):
        requests = {r.key: r for r in read(settings, codec, "vendor.requests", 2)}
        answers = [
            gateway_answer(requests["o-ok"], output={"vendor_id": "V00000001"}),
            gateway_answer(requests["o-no"], error="PAYMENTS.HTTP402"),
        ]
        publish(settings, codec, REPLIES_TOPIC, [*answers, answers[0]])
        replies = {e.data["task_token"]: e for e in read(settings, codec, "workflow.inputs", 2)}
        again = capture(settings, "o-ok")
        publish(settings, codec, "billing.commands", [again])
        token = again.data["task_token"]
        (late,) = read(
            settings,
            codec,
            "workflow.inputs",
            1,
            match=lambda r: (
                r.envelope.key == "exec-o-ok" and r.envelope.data["task_token"] == token
            ),
        )
    captured, refused = replies[ok.data["task_token"]], replies[declined.data["task_token"]]
    assert captured.type == TASK_SUCCEEDED and captured.key == "exec-o-ok"
    assert json.loads(captured.data["output"]) == {
        "capture_id": "V00000001",
        "amount_cents": 4200,
        "currency": "EUR",
        "invoice_id": "INV-o-ok",
    }
    assert (refused.type, refused.data["error"]) == (TASK_FAILED, "Payment.Declined")
    assert "card declined" in refused.data["cause"]
    assert json.loads(late.data["output"])["capture_id"] == "V00000001"
    assert len(read(settings, codec, "vendor.requests", 3, timeout_s=3)) == 2
    assert len(read(settings, codec, "workflow.inputs", 4, timeout_s=3)) == 3
    events = [e.type.rsplit(".", 1)[1] for e in read(settings, codec, "billing.events", 6)]
    assert sorted(events) == [
        "InvoiceIssued",
        "PaymentCaptured",
        "PaymentDeclined",
        "PaymentRequested",
        "PaymentRequested",
    ]
    statuses = pg.execute("SELECT order_id, status FROM payment_operations ORDER BY order_id")
    assert statuses.fetchall() == [("o-no", "refused"), ("o-ok", "done")]
    assert pg.execute("SELECT invoice_id FROM invoices").fetchall() == [("INV-o-ok",)]


def test_bad_capture_input_answers_bad_request(
    settings: OrderloomSettings, codec: EventCodec, schema: str
) -> None:
    bad = task(settings, "billing", "capture", {"order_id": "o"}, execution_id="e")
    publish(settings, codec, "billing.commands", [bad])
    with running(build(billing_settings(settings, schema), codec)):
        (answer,) = read(settings, codec, "workflow.inputs", 1)
    assert answer.data["error"] == "Billing.BadRequest"
    assert answer.data["cause"].startswith("amount_cents:")
