"""One poison order on a partition: the orders behind it do not wait for it.

The poison order pays with a card whose processor is always unavailable, so its
CapturePayment fails and is retried for minutes. Meanwhile the orders sent after it whose
executions share its partition of ``workflow.inputs`` go through and complete: they are
delayed by nothing but the work of its failed attempts.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime

import psycopg
from confluent_kafka import Consumer, TopicPartition

from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Vendors
from orderloom.system.main import run_system
from sim.storefront.orders import OrderFactory, Webhook, sign
from sim.storefront.sender import build, send_webhooks

BEHIND = 240
URL = "http://127.0.0.1:18080/webhooks/orders"


def _paying_with(webhook: Webhook, token: str, secret: str) -> Webhook:
    order = json.loads(webhook.body)
    order["payment_details"] = {"payment_token": token}
    body = json.dumps(order, separators=(",", ":")).encode()
    headers = {**webhook.headers, "X-Shopify-Hmac-Sha256": sign(secret.encode(), body)}
    return replace(webhook, body=body, headers=headers)


def _partitions(settings: OrderloomSettings) -> dict[str, int]:
    """Each execution started on ``workflow.inputs``: the partition its records go to."""
    topic = settings.kafka.topic_prefix + "workflow.inputs"
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": f"poison-reader-{uuid.uuid4().hex[:8]}",
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
        }
    )
    count = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    consumer.assign([TopicPartition(topic, p, 0) for p in range(count)])
    found: dict[str, int] = {}
    ended: set[int] = set()
    while len(ended) < count:
        message = consumer.poll(5.0)
        assert message is not None, "workflow.inputs was not read to its end"
        if message.error():
            ended.add(message.partition() or 0)
        elif dict(message.headers() or []).get("ce_type") == b"orderloom.workflow.StartExecution":
            found[(message.key() or b"").decode()] = message.partition() or 0
    consumer.close()
    return found


def _executions(dsn: str, ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT execution_id, status, stopped_at FROM executions WHERE execution_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _capture_failures(dsn: str, execution_id: str) -> list[datetime]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT timestamp FROM execution_history WHERE execution_id = %s"
            " AND event_type = 'TaskFailed' AND details->>'error' = 'Payment.Unavailable'"
            " ORDER BY event_id",
            (execution_id,),
        ).fetchall()
    return [r[0] for r in rows]


def test_a_poison_order_does_not_hold_up_the_orders_behind_it_on_its_partition(
    isolated: OrderloomSettings,
) -> None:
    seen: dict[str, object] = {}

    def scenario(_: dict[str, object]) -> None:
        secret = (isolated.stack.home / "run" / "webhook-secret").read_text().strip()
        first = int(time.time() * 1000)
        factory = OrderFactory(secret, seed=first, bad_share=0.0, first_id=first, payments="token")
        poison = _paying_with(factory.webhook(0), "tok_unavailable", secret)
        behind = build(factory, BEHIND, first=1)
        assert asyncio.run(send_webhooks(URL, [poison])).accepted == 1
        assert asyncio.run(send_webhooks(URL, behind)).accepted == BEHIND

        partitions = _partitions(isolated)
        poison_id = next(k for k in partitions if k.endswith(f"-{poison.storefront_order_id}"))
        neighbours = [
            k for k, p in partitions.items() if p == partitions[poison_id] and k != poison_id
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            runs = _executions(isolated.postgres.dsn, [poison_id, *neighbours])
            failures = _capture_failures(isolated.postgres.dsn, poison_id)
            if failures and all(runs.get(k, ("",))[0] == "SUCCEEDED" for k in neighbours):
                break
            time.sleep(1.0)
        seen.update(neighbours=neighbours, runs=runs, poison=poison_id, failures=failures)

    run_system(
        isolated,
        orders=0,
        rate=0,
        bad_share=0.0,
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
        then=scenario,
    )

    neighbours, runs = seen["neighbours"], seen["runs"]
    assert isinstance(neighbours, list) and isinstance(runs, dict)
    assert len(neighbours) >= 5, "too few orders shared the poison order's partition"
    assert {runs[k][0] for k in neighbours} == {"SUCCEEDED"}
    status, stopped = runs[seen["poison"]]
    failures = seen["failures"]
    assert isinstance(failures, list)
    assert failures, "the poison order's capture failed"
    assert status == "RUNNING" and stopped is None, "and it is still being retried"
