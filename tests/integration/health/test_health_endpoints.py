"""Each long-running service, as its own process on the real broker and database, answers
/healthz while its loop turns and /readyz with 503 until it is ready, 200 after: a group
consumer once the group gives it its partitions (a member that does not rejoin holds the
rebalance until it leaves), the projector once it has read the history topic up to its end
(an open transaction holds it back until it commits), the scheduler once the broker takes
its starts (the topic does not exist until the test makes it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from orderloom.kafka.config import consumer_config, topic_name, transactional_producer_config
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import spec_topics
from tests.integration.health.support import free_port, start, status, stop, wait_for

SCHEDULES = Path(__file__).resolve().parents[3] / "services" / "inventory" / "schedules.toml"


@dataclass(frozen=True)
class Service:
    """How to start one group consumer, and which group and topic it joins."""

    args: Callable[[Path], list[str]]
    group: Callable[[OrderloomSettings, str], str]
    topic: str
    topics: tuple[str, ...]
    health_port: Callable[[Path, OrderloomSettings, str, int], dict[str, str]]


def _health_env(_dir: Path, _s: OrderloomSettings, _g: str, port: int) -> dict[str, str]:
    return {"ORDERLOOM_HEALTH__PORT": str(port)}


def _own_group(_dir: Path, _s: OrderloomSettings, group: str, port: int) -> dict[str, str]:
    return {"ORDERLOOM_HEALTH__PORT": str(port), "ORDERLOOM_GROUP_ID": group}


def _gateway_config(run_dir: Path, _s: OrderloomSettings, group: str, port: int) -> dict[str, str]:
    (run_dir / "vendors.toml").write_text(
        f'group_id = "{group}"\nstatus_host = "127.0.0.1"\nstatus_port = {port}\n\n'
        '[vendors.erp]\nbase_url = "http://127.0.0.1:9"\ncap = 25\n\n'
        '[vendors.erp.operations]\nget_products = { method = "GET", path = "/products" }\n'
    )
    return {}


def _prefixed(name: str) -> Callable[[OrderloomSettings, str], str]:
    return lambda settings, _unique: topic_name(settings.kafka, name)


def _unique(_settings: OrderloomSettings, unique: str) -> str:
    return unique


OUTBOX_TOPICS = (
    "inventory.commands",
    "inventory.events",
    "billing.commands",
    "billing.events",
    "billing.vendor-replies",
    "vendor.requests",
    "workflow.inputs",
)
SERVICES = {
    "runner": Service(
        lambda _d: ["workflow", "runner"],
        _prefixed("workflow-runner"),
        "workflow.inputs",
        ("workflow.inputs", "workflow.history", "workflow.snapshots", "vendor.requests"),
        _health_env,
    ),
    "order-event-log": Service(
        lambda _d: ["order", "event-log"],
        _prefixed("order-event-log"),
        "workflow.history",
        ("workflow.history", "order.events"),
        _health_env,
    ),
    "inventory": Service(
        lambda _d: ["inventory", "run"], _unique, "inventory.commands", OUTBOX_TOPICS, _own_group
    ),
    "billing": Service(
        lambda _d: ["billing", "run"], _unique, "billing.commands", OUTBOX_TOPICS, _own_group
    ),
    "gateway": Service(
        lambda d: ["gateway", "run", "--config", str(d / "vendors.toml")],
        _unique,
        "vendor.requests",
        ("vendor.requests", "vendor.responses"),
        _gateway_config,
    ),
}


@contextmanager
def _held_group(settings: OrderloomSettings, group: str, topic: str) -> Iterator[Consumer]:
    """A member of ``group`` that owns every partition of ``topic`` and then stops polling:
    a rebalance waits for it to rejoin, so no one else gets partitions until it leaves."""
    holder = Consumer(consumer_config(settings.kafka, group, **{"max.poll.interval.ms": 120_000}))
    assigned: list[list[TopicPartition]] = []
    holder.subscribe([topic], on_assign=lambda _c, parts: assigned.append(parts))
    deadline = time.monotonic() + 60
    while not assigned and time.monotonic() < deadline:
        holder.poll(0.1)
    assert assigned, f"the holder got no partitions of {topic}"
    yield holder


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_group_consumer_is_alive_at_once_and_ready_only_once_it_has_its_partitions(
    name: str,
    settings: OrderloomSettings,
    admin: AdminClient,
    pg: psycopg.Connection[tuple[object, ...]],
    tmp_path: Path,
) -> None:
    service, port, log = SERVICES[name], free_port(), tmp_path / f"{name}.log"
    group = f"{name}-{uuid.uuid4().hex[:8]}"
    schema = str(pg.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    env = service.health_port(tmp_path, settings, group, port)
    with (
        spec_topics(admin, settings.kafka.topic_prefix, service.topics),
        _held_group(
            settings, service.group(settings, group), topic_name(settings.kafka, service.topic)
        ) as holder,
    ):
        proc = start(settings, service.args(tmp_path), log, ORDERLOOM_PG_SCHEMA=schema, **env)
        try:
            wait_for(lambda: status(port, "/healthz") == 200, "alive", proc, log)
            assert status(port, "/readyz") == 503
            holder.close()
            wait_for(lambda: status(port, "/readyz") == 200, "ready", proc, log)
            assert status(port, "/healthz") == 200
        finally:
            code = stop(proc)
    assert code == 0, log.read_text()


def test_the_projector_is_ready_once_it_has_read_the_history_up_to_its_end(
    settings: OrderloomSettings,
    admin: AdminClient,
    pg: psycopg.Connection[tuple[object, ...]],
    tmp_path: Path,
) -> None:
    port, log = free_port(), tmp_path / "projector.log"
    schema = str(pg.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    history = topic_name(settings.kafka, "workflow.history")
    with spec_topics(admin, settings.kafka.topic_prefix, ["workflow.history"]):
        writer = Producer(transactional_producer_config(settings.kafka, f"open-{uuid.uuid4().hex}"))
        writer.init_transactions(30)
        writer.begin_transaction()
        writer.produce(history, key=b"e1", value=b"not an envelope")
        writer.flush(10)
        proc = start(
            settings,
            ["executions", "project", "--schema", schema],
            log,
            ORDERLOOM_HEALTH__PORT=str(port),
        )
        try:
            wait_for(lambda: status(port, "/healthz") == 200, "alive", proc, log)
            assert status(port, "/readyz") == 503
            writer.commit_transaction(30)
            wait_for(lambda: status(port, "/readyz") == 200, "ready", proc, log)
        finally:
            code = stop(proc)
    assert code == 0, log.read_text()


def test_the_scheduler_is_ready_once_the_broker_takes_its_starts(
    settings: OrderloomSettings, admin: AdminClient, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "scheduler.log"
    proc = start(
        settings, ["workflow", "schedule", str(SCHEDULES)], log, ORDERLOOM_HEALTH__PORT=str(port)
    )
    try:
        wait_for(lambda: status(port, "/healthz") == 200, "alive", proc, log)
        assert status(port, "/readyz") == 503
        with spec_topics(admin, settings.kafka.topic_prefix, ["workflow.inputs"]):
            wait_for(lambda: status(port, "/readyz") == 200, "ready", proc, log)
            code = stop(proc)
    finally:
        stop(proc)
    assert code == 0, log.read_text()
