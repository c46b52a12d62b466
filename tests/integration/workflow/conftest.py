"""The runner most workflow tests run against: the test programs' handlers, default limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient

from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.workflow.support import runner_running


@pytest.fixture
def runner(
    settings: OrderloomSettings, admin: AdminClient, make_topic: TopicMaker
) -> Iterator[None]:
    with runner_running(settings, admin, make_topic):
        yield
