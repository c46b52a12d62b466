"""Replay of a time window, of some orders, and into a fresh group: the read model comes back
identical, nothing is sent to Kafka, no step runs twice, and only an admin may ask."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, TopicPartition
from fastapi.testclient import TestClient

from orderloom.events.codec import EventCodec
from orderloom.kafka.config import consumer_config, topic_name
from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import ORDER_FLOW, PgConn, order, wait_until
from tests.integration.test_executions_projection import dump
from tests.integration.workflow.support import WORKFLOW_TOPICS, start_all

pytestmark = pytest.mark.integration


def ends(system: System) -> dict[str, list[int]]:
    """The end offset of every partition of every workflow topic."""
    consumer = Consumer(consumer_config(system.settings.kafka, f"ends-{uuid.uuid4()}"))
    found = {}
    for name in WORKFLOW_TOPICS:
        topic = topic_name(system.settings.kafka, name)
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        found[name] = [
            consumer.get_watermark_offsets(TopicPartition(topic, p))[1] for p in sorted(parts)
        ]
    consumer.close()
    return found


def test_replaying_a_time_window_rebuilds_the_read_model_identically_and_sends_nothing(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    start_all(system.settings, codec, {f"r1-{i}": order(i) for i in range(10)}, ORDER_FLOW)
    wait_until(pg, "SELECT count(*) FROM executions WHERE status = 'SUCCEEDED'", (), 10)
    time.sleep(0.05)
    t0 = datetime.now(UTC)
    time.sleep(0.05)
    wave = {f"r2-{i}": order(100 + i, quantity=i % 2) for i in range(10)}
    start_all(system.settings, codec, wave, ORDER_FLOW)
    wait_until(pg, "SELECT count(*) FROM executions WHERE stopped_at IS NOT NULL", (), 20)
    time.sleep(0.5)
    before, offsets, booked = dump(pg), ends(system), dict(system.erp.booked)

    window = {"target": "projection", "since": t0.isoformat(), "reason": "rebuild after a bug"}
    assert client.post("/api/replays", json=window, headers=tokens.operator).status_code == 403
    planned = client.post("/api/replays", json=window, headers=tokens.admin).json()
    assert planned["dry_run"] is True and planned["executions"] == 10 and planned["records"] >= 10
    assert dump(pg) == before

    pg.execute("DELETE FROM execution_history WHERE execution_id IN ('r2-3', 'r2-4')")
    pg.execute(
        "UPDATE executions SET status = 'RUNNING', history_count = 0 WHERE execution_id LIKE 'r2-%'"
    )
    done = client.post("/api/replays", json={**window, "dry_run": False}, headers=tokens.admin)
    assert done.status_code == 200 and done.json()["executions"] == 10
    assert dump(pg) == before

    pg.execute("DELETE FROM executions WHERE execution_id = 'r1-2'")
    one = {
        "target": "projection",
        "order_ids": ["order-r1-2"],
        "reason": "one order",
        "dry_run": False,
    }
    assert client.post("/api/replays", json=one, headers=tokens.admin).json()["executions"] == 1
    assert dump(pg) == before

    group = f"audit-export-{uuid.uuid4().hex[:6]}"
    fresh = {"target": "group", "group": group, "since": t0.isoformat(), "reason": "new consumer"}
    answer = client.post(
        "/api/replays", json={**fresh, "dry_run": False}, headers=tokens.admin
    ).json()
    assert answer["executions"] == 10
    reused = client.post("/api/replays", json={**fresh, "dry_run": False}, headers=tokens.admin)
    assert reused.status_code == 422 and "committed offsets" in reused.json()["detail"]
    topic = topic_name(system.settings.kafka, "workflow.history")
    consumer = Consumer(consumer_config(system.settings.kafka, group))
    committed = consumer.committed(
        [TopicPartition(topic, int(p)) for p in answer["starts"]], timeout=10
    )
    consumer.close()
    assert {tp.partition: tp.offset for tp in committed} == {
        int(p): o for p, o in answer["starts"].items()
    }

    time.sleep(1.0)
    assert ends(system) == offsets
    assert system.erp.booked == booked
    audit = client.get("/api/audit", headers=tokens.viewer).json()["entries"]
    assert [(e["action"], e["count"]) for e in audit] == [
        ("replay", 10),
        ("replay", 1),
        ("replay", 10),
    ]
