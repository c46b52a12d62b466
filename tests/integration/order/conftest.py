"""An order intake under uvicorn on loopback, on this test's own topics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from order_service.api import create_app
from order_service.settings import OrderServiceSettings
from orderloom.settings import OrderloomSettings
from sim.storefront import OrderFactory, ServerThread
from tests.integration.conftest import TopicMaker

SECRET = "7c4e2a9b0d1f83e6a5b2"
"""The secret of the default shop, ``orderloom-demo.myshopify.com`` (the simulator's)."""
ACME = "acme.myshopify.com"
ACME_SECRET = "e81d5c0a6f4b92d7c3a1"


@dataclass(frozen=True)
class Running:
    url: str
    settings: OrderServiceSettings
    orders: str
    inputs: str


@pytest.fixture
def intake_settings(settings: OrderloomSettings, make_topic: TopicMaker) -> OrderServiceSettings:
    make_topic("order.events", partitions=3, dead_letter=True)
    make_topic("workflow.inputs", partitions=3, dead_letter=True)
    make_topic("billing.commands", partitions=3, dead_letter=True)
    return OrderServiceSettings(
        **settings.model_dump(),
        webhook_secret=SecretStr(SECRET),
        shops={ACME: SecretStr(ACME_SECRET)},
        webhook_max_bytes=64 * 1024,
    )


@pytest.fixture
def intake(intake_settings: OrderServiceSettings) -> Iterator[Running]:
    prefix = intake_settings.kafka.topic_prefix
    with ServerThread(create_app(intake_settings)) as server:
        yield Running(
            server.url + "/webhooks/orders",
            intake_settings,
            prefix + "order.events",
            prefix + "workflow.inputs",
        )


@pytest.fixture
def factory() -> OrderFactory:
    return OrderFactory(SECRET, seed=11)
