"""Regressions of the attacks found against the running system, through the real broker.

Shopify signs the body only: the same signed body sent with another shop domain or another
topic, a body the system cannot hold (an id beyond 64 bits, a NUL character), and stale or
replayed deliveries are each refused or recognised with nothing written, and counted.
"""

from __future__ import annotations

import itertools
import json
import random
import string
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)
from fastapi.testclient import TestClient

from order_service.api import create_app
from order_service.settings import OrderServiceSettings
from orderloom.events.codec import EventCodec
from orderloom.kafka.reader import read_envelopes
from sim.storefront import OrderFactory, ServerThread, Webhook
from sim.storefront.orders import sign
from tests.integration.order.conftest import ACME, ACME_SECRET, SECRET, Running
from tests.integration.order.test_intake import QUIET_S, everything, post


def resigned(webhook: Webhook, payload: dict[str, Any], **headers: str) -> Webhook:
    """``payload`` as ``webhook``'s body, correctly signed with the default shop's secret."""
    body = json.dumps(payload).encode()
    signed = {**webhook.headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), body), **headers}
    return Webhook(webhook.kind, webhook.storefront_order_id, body, signed)


def refused_count(running: Running, reason: str) -> float:
    text = httpx.get(running.url.removesuffix("/webhooks/orders") + "/metrics").text
    line = f'orderloom_webhooks_refused_total{{reason="{reason}"}} '
    found = [row for row in text.splitlines() if row.startswith(line)]
    return float(found[0].removeprefix(line)) if found else 0.0


def test_the_found_attacks_and_the_nul_body_are_refused_with_nothing_written(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    good = factory.webhook(0)
    order = json.loads(good.body)
    another_shop = Webhook(good.kind, 0, good.body, {**good.headers, "X-Shopify-Shop-Domain": ACME})
    unknown_shop = Webhook(
        good.kind, 0, good.body, {**good.headers, "X-Shopify-Shop-Domain": "evil.myshopify.com"}
    )
    another_topic = Webhook(
        good.kind, 0, good.body, {**good.headers, "X-Shopify-Topic": "orders/cancelled"}
    )
    beyond_64_bits = resigned(good, {**order, "id": 2**64 + 7})
    address = {**order["shipping_address"], "address1": "1 Market St\u0000"}
    nul = resigned(good, {**order, "shipping_address": address})

    answers = {
        name: post(intake, webhook)
        for name, webhook in [
            ("another_shop", another_shop),
            ("unknown_shop", unknown_shop),
            ("another_topic", another_topic),
            ("beyond_64_bits", beyond_64_bits),
            ("nul", nul),
        ]
    }

    assert {name: a.status_code for name, a in answers.items()} == {
        "another_shop": 401,
        "unknown_shop": 401,
        "another_topic": 400,
        "beyond_64_bits": 422,
        "nul": 422,
    }
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers.values())
    assert answers["beyond_64_bits"].json()["errors"] == [
        {"field": "id", "message": "the integer does not fit in a signed 64-bit integer"}
    ]
    assert answers["nul"].json()["errors"] == [
        {
            "field": "shipping_address.address1",
            "message": "the text contains a NUL character (U+0000)",
        }
    ]
    assert "has a cancelled_at" in answers["another_topic"].json()["detail"]
    assert everything(intake, codec, 0) == []
    assert refused_count(intake, "unauthenticated") == 1
    assert refused_count(intake, "unknown_shop") == 1
    assert refused_count(intake, "topic_mismatch") == 1
    assert refused_count(intake, "unstorable") == 2


def test_a_shop_takes_webhooks_signed_with_its_own_secret_only(
    intake: Running, codec: EventCodec
) -> None:
    body = json.dumps(
        {
            "id": 9,
            "order_id": 42,
            "transactions": [{"amount": "1.00", "currency": "EUR", "kind": "refund"}],
        }
    ).encode()
    headers = {"X-Shopify-Topic": "refunds/create", "X-Shopify-Shop-Domain": ACME}
    with_default_secret = {**headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), body)}
    with_its_own = {**headers, "X-Shopify-Hmac-Sha256": sign(ACME_SECRET.encode(), body)}

    refused = httpx.post(intake.url, content=body, headers=with_default_secret)
    taken = httpx.post(intake.url, content=body, headers=with_its_own)

    assert (refused.status_code, taken.status_code) == (401, 202)
    assert {r.envelope.key for r in everything(intake, codec, 2)} == {
        "order-acme-42",
        "order-acme-42-refund-9",
    }


def test_a_replayed_webhook_id_is_a_duplicate_also_after_a_restart(
    intake: Running, intake_settings: OrderServiceSettings, codec: EventCodec, factory: OrderFactory
) -> None:
    first, other = factory.webhook(0), factory.webhook(1)
    replay = Webhook(
        other.kind,
        other.storefront_order_id,
        other.body,
        {**other.headers, "X-Shopify-Webhook-Id": first.headers["X-Shopify-Webhook-Id"]},
    )
    assert post(intake, first).status_code == 202

    again = post(intake, replay)
    with ServerThread(create_app(intake_settings)) as restarted:
        after_restart = httpx.post(
            restarted.url + "/webhooks/orders", content=replay.body, headers=replay.headers
        )

    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert (after_restart.status_code, after_restart.json()["status"]) == (200, "duplicate")
    keys = {r.envelope.key for r in everything(intake, codec, 2)}
    assert keys == {f"order-orderloom-demo-{first.storefront_order_id}"}


def test_a_stale_delivery_is_refused_and_a_recent_one_taken(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    now = datetime.now(UTC)
    stale_at = (now - timedelta(hours=49)).isoformat().replace("+00:00", "Z")
    stale = factory.webhook(0)
    stale.headers["X-Shopify-Triggered-At"] = stale_at
    recent = factory.webhook(1)
    recent.headers["X-Shopify-Triggered-At"] = (now - timedelta(hours=47)).isoformat()

    refused, taken = post(intake, stale), post(intake, recent)

    assert (refused.status_code, taken.status_code) == (400, 202)
    assert "stale" in refused.json()["detail"]
    keys = {r.envelope.key for r in everything(intake, codec, 2)}
    assert keys == {f"order-orderloom-demo-{recent.storefront_order_id}"}
    assert refused_count(intake, "stale") == 1


def test_unparseable_bodies_are_refused_and_counted(
    intake: Running, codec: EventCodec, factory: OrderFactory
) -> None:
    good = factory.webhook(0)
    no_id = {k: v for k, v in json.loads(good.body).items() if k != "id"}
    bodies = [b"{not json", b'["an", "array"]', json.dumps(no_id).encode(), b"\xff\xfe"]
    statuses = [
        httpx.post(
            intake.url,
            content=body,
            headers={**good.headers, "X-Shopify-Hmac-Sha256": sign(SECRET.encode(), body)},
        ).status_code
        for body in bodies
    ]

    assert statuses == [400, 400, 400, 400]
    assert refused_count(intake, "unparseable") == 4
    assert everything(intake, codec, 0) == []


@pytest.fixture
def small_records(intake_settings: OrderServiceSettings) -> OrderServiceSettings:
    return intake_settings.model_copy(update={"max_record_bytes": 10_000})


def test_a_webhook_whose_records_the_broker_would_refuse_is_refused_whole(
    small_records: OrderServiceSettings, codec: EventCodec, factory: OrderFactory
) -> None:
    good = factory.webhook(0)
    order = json.loads(good.body)
    item = order["line_items"][0]
    many = resigned(good, {**order, "line_items": [{**item, "title": "x" * 900}] * 30})

    with ServerThread(create_app(small_records)) as server:
        answer = httpx.post(
            server.url + "/webhooks/orders", content=many.body, headers=many.headers
        )
        small = httpx.post(server.url + "/webhooks/orders", content=good.body, headers=good.headers)

    assert (answer.status_code, small.status_code) == (413, 202)
    assert "the broker takes at most 10000" in answer.json()["detail"]
    prefix = small_records.kafka.topic_prefix
    running = Running("", small_records, prefix + "order.events", prefix + "workflow.inputs")
    keys = {r.envelope.key for r in everything(running, codec, 2)}
    assert keys == {f"order-orderloom-demo-{good.storefront_order_id}"}


def test_readyz_says_not_ready_until_the_intake_has_started(
    intake_settings: OrderServiceSettings,
) -> None:
    with TestClient(create_app(intake_settings)) as started:
        deadline = time.monotonic() + 30
        while started.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.get("/readyz").json() == {"status": "ready"}
        assert started.get("/healthz").json() == {"status": "ok"}
    not_started = TestClient(create_app(intake_settings))
    assert not_started.get("/readyz").status_code == 503
    assert not_started.get("/healthz").status_code == 200


def test_accepted_and_duplicate_webhooks_are_counted(
    intake: Running, factory: OrderFactory
) -> None:
    webhook = factory.webhook(0)
    statuses = [post(intake, webhook).status_code for _ in range(3)]

    text = httpx.get(intake.url.removesuffix("/webhooks/orders") + "/metrics").text
    assert statuses == [202, 200, 200]
    assert 'orderloom_webhooks_total{outcome="accepted"} 1.0' in text
    assert 'orderloom_webhooks_total{outcome="duplicate"} 2.0' in text
    assert 'orderloom_webhooks_refused_total{reason="oversize"} 0.0' in text


def test_a_transaction_the_broker_refuses_is_answered_503_and_keeps_nothing(
    intake: Running, codec: EventCodec, factory: OrderFactory, admin: AdminClient
) -> None:
    """The marker topic's limit is lowered after the intake read it: the broker refuses the
    marker, the whole transaction aborts (the start with it), and the storefront's retry,
    once the limit is back, is taken. The broker applies a limit within moments: other
    orders are sent until one is refused, and the retry is repeated until taken."""
    rng = random.Random(5)

    def big(n: int) -> Webhook:
        webhook = factory.webhook(n)
        order = json.loads(webhook.body)
        titles = ["".join(rng.choices(string.ascii_letters, k=900)) for _ in range(8)]
        item = order["line_items"][0]
        items = [{**item, "sku": f"S-{i}", "title": t} for i, t in enumerate(titles)]
        return resigned(webhook, {**order, "line_items": items})

    def limit(value: str) -> None:
        entry = ConfigEntry("max.message.bytes", value, incremental_operation=AlterConfigOpType.SET)
        resource = ConfigResource(ResourceType.TOPIC, intake.orders, incremental_configs=[entry])
        for future in admin.incremental_alter_configs([resource]).values():
            future.result()

    def until(webhook: Webhook, status: int) -> httpx.Response:
        deadline = time.monotonic() + 30
        answer = post(intake, webhook)
        while answer.status_code != status and time.monotonic() < deadline:
            answer = post(intake, webhook)
        return answer

    probes = (big(n) for n in itertools.count(1))
    target = big(0)
    limit("4000")
    deadline = time.monotonic() + 30
    while post(intake, next(probes)).status_code != 503 and time.monotonic() < deadline:
        pass
    refused = post(intake, target)
    limit("1048588")
    retried = until(target, 202)

    assert (refused.status_code, refused.headers["retry-after"]) == (503, "5")
    assert retried.status_code == 202
    key = f"order-orderloom-demo-{target.storefront_order_id}"
    topics = [
        r.topic
        for topic in (intake.orders, intake.inputs)
        for r in read_envelopes(
            intake.settings.kafka,
            codec,
            topic,
            count=2,
            timeout_s=QUIET_S,
            match=lambda r: r.envelope.key == key,
        )
    ]
    assert sorted(topics) == sorted([intake.orders, intake.inputs])
    assert refused_count(intake, "record_too_large") == 0
