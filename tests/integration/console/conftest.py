"""The console against the real broker and PostgreSQL: a runner and projectors in this
process, the app (lifespan and all) through Starlette's TestClient, tokens per role."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from confluent_kafka.admin import AdminClient
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from console_service import access
from console_service.app import create_app
from console_service.settings import ConsoleOptions, ConsoleSettings
from orderloom.projections.migrations import migrate
from orderloom.projections.projector import ExecutionsProjector
from orderloom.settings import OrderloomSettings, PostgresSettings
from orderloom.workflow.host import build
from tests.integration.conftest import TopicMaker
from tests.integration.console.support import Erp, PgConn, handlers
from tests.integration.test_executions_projection import schema_of
from tests.integration.workflow.support import workflow_topics


@dataclass
class System:
    settings: ConsoleSettings
    erp: Erp
    projector: ExecutionsProjector


@pytest.fixture
def console_settings(settings: OrderloomSettings, pg: PgConn) -> ConsoleSettings:
    dsn = make_conninfo(settings.postgres.dsn, options=f"-c search_path={schema_of(pg)}")
    return ConsoleSettings(
        kafka=settings.kafka,
        postgres=PostgresSettings(dsn=dsn),
        console=ConsoleOptions(gateway_url="http://127.0.0.1:9", bulk_limit=1000),
    )


@pytest.fixture
def system(
    console_settings: ConsoleSettings,
    admin: AdminClient,
    make_topic: TopicMaker,
    pg: PgConn,
) -> Iterator[System]:
    """Runner and executions projector running in this process, on the test's topics."""
    erp = Erp()
    with workflow_topics(console_settings, admin, make_topic):
        make_topic("nobody.commands", partitions=1)
        processor, _ = build(console_settings, handlers(erp))
        stop = threading.Event()
        with ExecutionsProjector(console_settings, schema=schema_of(pg), window_s=0.1) as projector:
            threads = [
                threading.Thread(target=processor.run, args=(stop,)),
                threading.Thread(target=projector.run, args=(stop,)),
            ]
            for thread in threads:
                thread.start()
            yield System(console_settings, erp, projector)
            stop.set()
            for thread in threads:
                thread.join(30)


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system.settings)) as test_client:
        yield test_client


@dataclass(frozen=True)
class Tokens:
    viewer: dict[str, str]
    operator: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def tokens(pg: PgConn) -> Tokens:
    migrate(pg)
    made = {r: access.create_token(pg, f"{r}-test", r, "tests")[1] for r in access.ROLES}
    return Tokens(*({"Authorization": f"Bearer {made[r]}"} for r in access.ROLES))
