"""The whole system on topics of a test's own, deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient

from orderloom.kafka.topics import load_spec
from orderloom.settings import OrderloomSettings


@pytest.fixture
def isolated(base_settings: OrderloomSettings) -> Iterator[OrderloomSettings]:
    """Settings on a prefix of this test alone: its retries and waits stay there."""
    prefix = f"sys-{uuid.uuid4().hex[:8]}."
    kafka = base_settings.kafka.model_copy(update={"topic_prefix": prefix})
    yield base_settings.model_copy(update={"kafka": kafka})
    admin = AdminClient({"bootstrap.servers": base_settings.kafka.bootstrap_servers})
    for future in admin.delete_topics([s.name for s in load_spec(prefix=prefix)]).values():
        future.result()
