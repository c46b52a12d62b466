"""Webhooks through the real intake over HTTP into the real broker, read back committed."""

from __future__ import annotations

import asyncio
import json

import httpx

from order_service.api import create_app
from order_service.settings import OrderServiceSettings
from orderloom.events.codec import EventCodec
from orderloom.kafka.reader import read_envelopes
from orderloom.kafka.records import Received
from sim.storefront import Kind, OrderFactory, ServerThread, Webhook, build, send_webhooks
from sim.storefront.orders import sign
from tests.integration.order.conftest import ACME, ACME_SECRET, SECRET, Running

QUIET_S = 3.0
"""How long a topic must stay without a record for "nothing more" to be believed."""


def post(running: Running, webhook: Webhook) -> httpx.Response:
    return httpx.post(running.url, content=webhook.body, headers=webhook.headers, timeout=30)


def everything(running: Running, codec: EventCodec, expected: int) -> list[Received]:
    """Every committed record of both topics, waiting for ``expected`` then a quiet spell."""
    kafka = running.settings.kafka
    found = [
        *read_envelopes(kafka, codec, running.orders, count=expected + 1, timeout_s=QUIET_S),
        *read_envelopes(kafka, codec, running.inputs, count=expected + 1, timeout_s=QUIET_S),
    ]
    return found


def test_good_webhooks_become_one_order_received_and_one_start_each(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    webhooks = [factory.webhook(n) for n in range(5)]
    answers = [post(intake, w) for w in webhooks]

    assert [a.status_code for a in answers] == [202] * 5
    records = everything(intake, codec, 10)
    received = [r.envelope for r in records if r.topic == intake.orders]
    starts = [r.envelope for r in records if r.topic == intake.inputs]
    ids = [f"order-orderloom-demo-{w.storefront_order_id}" for w in webhooks]
    assert sorted(e.key for e in received) == sorted(ids)
    assert sorted(e.key for e in starts) == sorted(ids)
    assert {e.type for e in received} == {"orderloom.order.OrderReceived"}
    assert {e.type for e in starts} == {"orderloom.workflow.StartExecution"}
    first = json.loads(webhooks[0].body)
    start = next(e for e in starts if e.key == ids[0])
    document = json.loads(start.data["input"])
    assert document["order_id"] == ids[0] == start.data["execution_id"]
    assert document["payment"]["financial_status"] == first["financial_status"]
    assert document["total_cents"] == round(float(first["total_price"]) * 100)
    assert answers[0].json() == {
        "status": "accepted",
        "order_id": ids[0],
        "event_id": f"{ids[0]}/received",
    }


def test_a_repeated_webhook_is_acknowledged_and_writes_nothing_more(
    intake: Running, intake_settings: OrderServiceSettings, codec: EventCodec, factory: OrderFactory
) -> None:
    webhook = factory.webhook(0)
    assert post(intake, webhook).status_code == 202

    again = post(intake, webhook)
    with ServerThread(create_app(intake_settings)) as restarted:
        after_restart = httpx.post(
            restarted.url + "/webhooks/orders", content=webhook.body, headers=webhook.headers
        )

    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert (after_restart.status_code, after_restart.json()["status"]) == (200, "duplicate")
    assert len(everything(intake, codec, 2)) == 2


def test_refused_webhooks_publish_nothing(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    good = factory.webhook(0)
    bad_signature = {**good.headers, "X-Shopify-Hmac-Sha256": sign(b"another secret", good.body)}
    missing = json.loads(good.body)
    del missing["id"]
    missing_body = json.dumps(missing).encode()
    missing_headers = {**good.headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), missing_body)}
    big = b'{"id": 1, "note": "' + b"x" * 70_000 + b'"}'
    big_headers = {**good.headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), big)}
    unknown_topic = {**good.headers, "X-Shopify-Topic": "products/update"}

    answers = {
        name: httpx.post(intake.url, content=body, headers=headers)
        for name, body, headers in [
            ("signature", good.body, bad_signature),
            ("missing", missing_body, missing_headers),
            ("oversize", big, big_headers),
            ("topic", good.body, unknown_topic),
        ]
    }

    assert {name: a.status_code for name, a in answers.items()} == {
        "signature": 401,
        "missing": 400,
        "oversize": 413,
        "topic": 400,
    }
    assert answers["missing"].headers["content-type"] == "application/problem+json"
    assert answers["missing"].json()["detail"] == "id: a positive integer id is required"
    assert everything(intake, codec, 0) == []


def test_a_signed_order_the_flow_cannot_use_is_accepted_and_kept_for_its_execution(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    order = json.loads(factory.webhook(0).body)
    order["line_items"][0]["sku"] = None
    order["line_items"][0]["quantity"] = "two"
    order["currency"] = None
    body = json.dumps(order).encode()
    headers = {**factory.webhook(0).headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), body)}

    answer = httpx.post(intake.url, content=body, headers=headers)

    assert answer.status_code == 202
    starts = [r.envelope for r in everything(intake, codec, 2) if r.topic == intake.inputs]
    document = json.loads(starts[0].data["input"])
    assert document["payload_problems"] == [
        "line_items[0].quantity: Input should be a valid integer, unable to parse string as an"
        " integer"
    ]


def test_cancellations_and_refunds_start_their_executions_once_and_are_published(
    intake: Running, codec: EventCodec
) -> None:
    cancelled = json.dumps(
        {
            "id": 42,
            "name": "#1042",
            "cancelled_at": "2024-11-29T09:00:00Z",
            "cancel_reason": "customer",
        }
    ).encode()
    refund = json.dumps(
        {
            "id": 7,
            "order_id": 42,
            "transactions": [{"amount": "12.50", "currency": "EUR", "kind": "refund"}],
        }
    ).encode()
    statuses = []
    for topic, body in [
        ("orders/cancelled", cancelled),
        ("refunds/create", refund),
        ("orders/cancelled", cancelled),
        ("refunds/create", refund),
    ]:
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": ACME,
            "X-Shopify-Hmac-Sha256": sign(ACME_SECRET.encode(), body),
        }
        statuses.append(httpx.post(intake.url, content=body, headers=headers).status_code)
    assert statuses == [202, 202, 200, 200]

    records = [r.envelope for r in everything(intake, codec, 4)]
    events = {e.type: e for e in records if e.type.startswith("orderloom.order.")}
    starts = {e.data["workflow"]: e for e in records if e.type.endswith("StartExecution")}
    assert len(records) == 4
    assert set(events) == {"orderloom.order.OrderCancelled", "orderloom.order.RefundRequested"}
    assert events["orderloom.order.OrderCancelled"].key == "order-acme-42"
    refunded = events["orderloom.order.RefundRequested"].data
    assert (refunded["amount_cents"], refunded["currency"]) == (1250, "EUR")
    assert starts["OrderCancellation"].key == "order-acme-42-cancellation"
    assert starts["OrderRefund"].key == "order-acme-42-refund-7"
    assert json.loads(starts["OrderRefund"].data["input"])["amount_cents"] == 1250


def test_200_concurrent_webhooks_are_all_accepted_and_durable(
    intake: Running, codec: EventCodec
) -> None:
    factory = OrderFactory(SECRET, seed=12, bad_share=0.2)
    webhooks = build(factory, 200)
    refused = (Kind.BAD_SIGNATURE, Kind.MISSING_FIELDS)
    accepted = [w for w in webhooks if w.kind not in refused]
    good = [w for w in accepted if w.kind is not Kind.PAYMENT]

    report = asyncio.run(send_webhooks(intake.url, webhooks, concurrency=200))

    assert report.accepted == len(accepted)
    assert report.by_kind[Kind.BAD_SIGNATURE.value].keys() == {401}
    assert report.by_kind[Kind.MISSING_FIELDS.value].keys() <= {400, 422}
    kafka = intake.settings.kafka
    markers = read_envelopes(kafka, codec, intake.orders, count=len(accepted), timeout_s=30)
    received = [r for r in markers if r.envelope.type == "orderloom.order.OrderReceived"]
    starts = read_envelopes(kafka, codec, intake.inputs, count=len(good), timeout_s=30)
    expected = sorted(f"order-orderloom-demo-{w.storefront_order_id}" for w in good)
    assert sorted(r.envelope.key for r in received) == expected
    assert sorted(r.envelope.key for r in starts) == expected
