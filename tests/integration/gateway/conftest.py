"""Fixtures of the gateway tests: its topics, its database schema, a vendors config."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from bench.gateway_load import Answers
from orderloom.events.codec import EventCodec
from orderloom.kafka.topics import DLQ_SUFFIX
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from vendor_gateway.config import GatewayConfig

OPERATIONS = {
    "create_sales_order": {"method": "POST", "path": "/sales-orders"},
    "get_sales_order": {"method": "GET", "path": "/sales-orders/1"},
}


@dataclass(frozen=True)
class Topics:
    requests: str
    responses: str
    replies: str

    @property
    def dlq(self) -> str:
        return self.requests + DLQ_SUFFIX


def gateway_config(base_url: str, **vendor: Any) -> GatewayConfig:
    """One vendor ``erp`` at ``base_url``; ``vendor`` overrides its settings."""
    return GatewayConfig.model_validate(
        {
            "group_id": f"gw-{uuid.uuid4().hex[:8]}",
            "status_host": "127.0.0.1",
            "status_port": 0,
            "shutdown_grace_s": 10,
            "vendors": {"erp": {"base_url": base_url, "operations": OPERATIONS, **vendor}},
        }
    )


@pytest.fixture
def topics(make_topic: TopicMaker, admin: AdminClient) -> Topics:
    """The gateway's topics, once the broker's metadata knows them: a consumer that
    subscribes before would not be given their partitions for minutes."""
    made = Topics(
        make_topic("vendor.requests", partitions=4, dead_letter=True),
        make_topic("vendor.responses", partitions=3),
        make_topic("replies", partitions=3),
    )
    names = {made.requests, made.responses, made.replies, made.dlq}
    deadline = time.monotonic() + 30
    while not names <= admin.list_topics(timeout=10).topics.keys():
        assert time.monotonic() < deadline, "the broker does not know the topics made"
        time.sleep(0.1)
    return made


@pytest.fixture
def gw_settings(
    settings: OrderloomSettings, pg: psycopg.Connection[tuple[object, ...]]
) -> OrderloomSettings:
    """Settings whose database is the test's own schema."""
    row = pg.execute("SELECT current_schema()").fetchone()
    assert row is not None
    dsn = f"{settings.postgres.dsn}?options=-csearch_path%3D{row[0]}"
    return settings.model_copy(
        update={"postgres": settings.postgres.model_copy(update={"dsn": dsn})}
    )


@pytest.fixture
def answers(settings: OrderloomSettings, codec: EventCodec, topics: Topics) -> Iterator[Answers]:
    reader = Answers(settings.kafka, codec, [topics.replies, topics.responses])
    yield reader
    reader.close()
