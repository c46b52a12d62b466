"""The operator's loop end to end: a failure shows in the read model, the CLI redrives it,
the runner completes it, and the read model shows both attempts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from confluent_kafka.admin import AdminClient
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from orderloom.cli.executions import app
from orderloom.events.codec import EventCodec
from orderloom.projections.projector import ExecutionsProjector
from orderloom.settings import OrderloomSettings
from orderloom.workflow.host import build
from tests.integration.conftest import TopicMaker
from tests.integration.programs.run_workflows import HANDLERS
from tests.integration.test_executions_projection import schema_of
from tests.integration.workflow.support import start_all, stock_service, workflow_topics

PgConn = psycopg.Connection[tuple[object, ...]]


@pytest.fixture
def system(
    settings: OrderloomSettings, admin: AdminClient, make_topic: TopicMaker, pg: PgConn
) -> Iterator[ExecutionsProjector]:
    """Runner and projector running in this process, on the test's topics and schema."""
    with workflow_topics(settings, admin, make_topic):
        processor, _ = build(settings, HANDLERS)
        stop = threading.Event()
        with ExecutionsProjector(settings, schema=schema_of(pg)) as projector:
            threads = [
                threading.Thread(target=processor.run, args=(stop,)),
                threading.Thread(target=projector.run, args=(stop,)),
            ]
            for thread in threads:
                thread.start()
            yield projector
            stop.set()
            for thread in threads:
                thread.join(30)


def _wait_for(pg: PgConn, execution_id: str, status: str, redrives: int) -> tuple[object, ...]:
    """The execution's row once the read model shows it in ``status`` after ``redrives``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = pg.execute(
            "SELECT status, error, redrive_count FROM executions WHERE execution_id = %s",
            (execution_id,),
        ).fetchone()
        if row is not None and row[0] == status and row[2] == redrives:
            return row
        time.sleep(0.2)
    raise AssertionError(f"{execution_id} never became {status} after {redrives} redrives")


def test_operator_finds_the_failure_redrives_it_with_a_fix_and_it_completes(
    settings: OrderloomSettings,
    codec: EventCodec,
    pg: PgConn,
    system: ExecutionsProjector,
    tmp_path: Path,
) -> None:
    env = {
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "ORDERLOOM_POSTGRES__DSN": make_conninfo(
            settings.postgres.dsn, options=f"-c search_path={schema_of(pg)}"
        ),
    }
    cli = CliRunner()
    with stock_service(settings, codec):
        start_all(settings, codec, {"o-17": {"quantity": 0}})
        assert _wait_for(pg, "o-17", "FAILED", 0)[1] == "ValueError"
        listed = cli.invoke(app, ["list", "--status", "FAILED", "--json"], env=env)
        assert [e["execution_id"] for e in json.loads(listed.stdout)["executions"]] == ["o-17"]

        again = cli.invoke(app, ["redrive", "o-17", "--reason", "try again"], env=env)
        assert again.exit_code == 0, again.output
        _wait_for(pg, "o-17", "FAILED", 1)
        edited = tmp_path / "fixed.json"
        edited.write_text(json.dumps({"quantity": 3}))
        fixed = cli.invoke(
            app,
            [
                "redrive",
                "o-17",
                "--reason",
                "quantity was 0",
                "--actor",
                "ops@brand",
                "--input",
                str(edited),
            ],
            env=env,
        )
        assert fixed.exit_code == 0, fixed.output
        _wait_for(pg, "o-17", "SUCCEEDED", 2)
        refused = cli.invoke(app, ["redrive", "o-17", "--reason", "again?"], env=env)
        assert refused.exit_code == 1 and "SUCCEEDED" in refused.output

    shown = json.loads(cli.invoke(app, ["show", "o-17", "--history", "--json"], env=env).stdout)
    kinds = [e["event_type"] for e in shown["history"]]
    assert kinds.count("ExecutionRedriven") == 2 and kinds.count("ExecutionFailed") == 2
    assert kinds[-1] == "ExecutionSucceeded"
