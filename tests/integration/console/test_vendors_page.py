"""The console as `orderloom run` starts it is told where the gateway's status server is:
its Vendors page shows the pools of a gateway running as its own process."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from console_service import access
from console_service.app import create_app
from console_service.settings import ConsoleSettings
from orderloom.projections.migrations import migrate
from orderloom.settings import OrderloomSettings, PostgresSettings
from orderloom.system.layout import Ports, Vendors, children
from tests.integration.conftest import spec_topics
from tests.integration.console.support import PgConn
from tests.integration.console.test_web import PASSWORD, sign_in
from tests.integration.health.support import free_port, start, status, stop, wait_for
from tests.integration.test_executions_projection import schema_of

pytestmark = pytest.mark.integration


def test_the_vendors_page_shows_the_pools_of_the_running_gateway(
    settings: OrderloomSettings,
    admin: AdminClient,
    pg: PgConn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = Ports(gateway_status=free_port())
    started = {c.name: c for c in children(ports, tmp_path, Vendors(), [])}
    config = tmp_path / "vendors.toml"
    config.write_text(
        config.read_text().replace('"vendor-gateway"', f'"gw-{uuid.uuid4().hex[:8]}"')
    )
    for name, value in started["console"].env.items():
        monkeypatch.setenv(name, value)
    console = ConsoleSettings(
        kafka=settings.kafka,
        postgres=PostgresSettings(
            dsn=make_conninfo(settings.postgres.dsn, options=f"-c search_path={schema_of(pg)}")
        ),
    )
    console.console.project_definitions = False
    migrate(pg)
    access.add_user(pg, "vera", PASSWORD, "viewer")
    log = tmp_path / "gateway.log"
    with spec_topics(admin, settings.kafka.topic_prefix, ["vendor.requests", "vendor.responses"]):
        gateway = start(settings, list(started["gateway"].args), log)
        try:
            port = ports.gateway_status
            wait_for(lambda: status(port, "/readyz") == 200, "ready", gateway, log)
            with TestClient(create_app(console)) as client:
                sign_in(client, "vera")
                page = client.get("/vendors").text
        finally:
            assert stop(gateway) == 0, log.read_text()

    assert "not answering" not in page
    for vendor in ("erp", "threepl", "payments", "storefront"):
        assert f"<td><b>{vendor}</b></td>" in page
    assert "<td>25 (25)</td>" in page
