"""Fixtures for tests against a real Kafka broker and a real PostgreSQL.

They use the stack that ``orderloom up`` runs (addresses from settings). On a laptop with
Docker and no local stack they start Redpanda and PostgreSQL with testcontainers instead.
With neither, the tests fail and say how to start one: they are never skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

import psycopg
import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from orderloom.events.codec import EventCodec, codec_for
from orderloom.kafka.topics import DLQ_SUFFIX, apply, load_spec
from orderloom.settings import KafkaSettings, OrderloomSettings, PostgresSettings


@contextmanager
def spec_topics(admin: AdminClient, prefix: str, names: Iterable[str]) -> Iterator[None]:
    """The topics ``names`` of ``topics.toml`` (with their dead-letter companions) under
    ``prefix``, as the spec declares them, deleted afterwards."""
    wanted = set(names)
    specs = [
        s
        for s in load_spec(prefix=prefix)
        if s.name.removeprefix(prefix).removesuffix(DLQ_SUFFIX) in wanted
    ]
    apply(admin, specs)
    try:
        yield
    finally:
        for future in admin.delete_topics([s.name for s in specs]).values():
            future.result()


def _kafka_answers(bootstrap: str) -> bool:
    try:
        return bool(
            AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
            .list_topics(timeout=5)
            .brokers
        )
    except Exception:
        return False


def _postgres_answers(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _docker_engine() -> bool:
    return (
        shutil.which("docker") is not None
        and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0
    )


@pytest.fixture(scope="session")
def base_settings() -> Iterator[OrderloomSettings]:
    settings = OrderloomSettings()
    if _kafka_answers(settings.kafka.bootstrap_servers) and _postgres_answers(
        settings.postgres.dsn
    ):
        yield settings
        return
    if not _docker_engine():
        pytest.fail(
            f"no Kafka at {settings.kafka.bootstrap_servers} or no PostgreSQL at "
            f"{settings.postgres.dsn}: run `orderloom up` (`make test` does it)"
        )
    from testcontainers.kafka import RedpandaContainer
    from testcontainers.postgres import PostgresContainer

    with RedpandaContainer() as redpanda, PostgresContainer("postgres:16") as pg:
        yield settings.model_copy(
            update={
                "kafka": KafkaSettings(bootstrap_servers=redpanda.get_bootstrap_server()),
                "postgres": PostgresSettings(dsn=pg.get_connection_url(driver=None)),
            }
        )


@pytest.fixture
def settings(base_settings: OrderloomSettings) -> OrderloomSettings:
    """Settings whose topic prefix belongs to this test alone."""
    kafka = base_settings.kafka.model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:10]}."})
    return base_settings.model_copy(update={"kafka": kafka})


@pytest.fixture
def admin(settings: OrderloomSettings) -> AdminClient:
    return AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})


@pytest.fixture
def codec(settings: OrderloomSettings) -> EventCodec:
    return codec_for(settings.kafka.schema_registry_url)


class TopicMaker(Protocol):
    def __call__(self, name: str, partitions: int = 3, dead_letter: bool = False) -> str: ...


@pytest.fixture
def make_topic(settings: OrderloomSettings, admin: AdminClient) -> Iterator[TopicMaker]:
    """Creates topics under the test's prefix (with a dead-letter companion if asked)."""
    made: list[str] = []

    def make(name: str, partitions: int = 3, dead_letter: bool = False) -> str:
        full = settings.kafka.topic_prefix + name
        names = [full, full + DLQ_SUFFIX] if dead_letter else [full]
        futures = admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        for future in futures.values():
            future.result()
        made.extend(names)
        return full

    yield make
    if made:
        for future in admin.delete_topics(made).values():
            future.result()


@pytest.fixture
def pg(settings: OrderloomSettings) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection whose search_path is a schema of this test's own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        yield conn
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
