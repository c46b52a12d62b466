"""`orderloom executions ...` against the real broker and PostgreSQL, configured as a user would:
environment variables, with the schema chosen by the DSN's search_path option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from orderloom.events.codec import EventCodec
from orderloom.kafka.reader import read_envelopes
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.test_executions_projection import publish, schema_of
from tests.unit.projections.histories import corpus

pytestmark = pytest.mark.integration
runner = CliRunner()
COUNT = 60


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, code: int = 0) -> str:
        from orderloom.cli.executions import app

        result = runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == code, result.stdout + result.stderr
        return result.stdout + result.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


@pytest.fixture
def cli(
    settings: OrderloomSettings,
    codec: EventCodec,
    make_topic: TopicMaker,
    pg: psycopg.Connection[tuple[object, ...]],
) -> Cli:
    """The CLI pointed at this test's topics and schema, with COUNT executions projected."""
    make_topic("workflow.inputs", partitions=3)
    history = make_topic("workflow.history", partitions=3)
    executions = corpus(COUNT)
    publish(settings, codec, history, [e for made in executions for e in made.envelopes()])
    dsn = make_conninfo(settings.postgres.dsn, options=f"-c search_path={schema_of(pg)}")
    cli = Cli(
        {
            "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
            "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
            "ORDERLOOM_POSTGRES__DSN": dsn,
        }
    )
    events = sum(len(made.history) for made in executions)
    assert f"from {events} history events" in cli("project", "--rebuild")
    return cli


def _ids(page: dict[str, Any]) -> list[str]:
    return [e["execution_id"] for e in page["executions"]]


def test_list_filters_and_pages_newest_first(cli: Cli) -> None:
    everyone = [m.execution_id for m in reversed(corpus(COUNT))]
    seen: list[str] = []
    page = cli.json("list", "--limit", "7")
    while True:
        seen += _ids(page)
        if page["next_cursor"] is None:
            break
        page = cli.json("list", "--limit", "7", "--cursor", page["next_cursor"])
    assert seen == everyone
    failed = cli.json("list", "--status", "failed")
    assert {e["status"] for e in failed["executions"]} == {"FAILED"}
    declined = cli.json("list", "--error", "Payment.Declined", "--workflow", "OrderFulfillment")
    assert _ids(declined) == [f"exec-{i:04d}" for i in range(COUNT - 5, 0, -6)]
    assert _ids(cli.json("list", "--correlation", "order-0007")) == ["exec-0007"]
    syncing = cli.json("list", "--state", "PushLevels")
    assert {e["workflow"] for e in syncing["executions"]} == {"InventorySync"}
    window = cli.json(
        "list", "--since", "2026-01-01T00:00:10", "--until", "2026-01-01T00:00:20+00:00"
    )
    assert _ids(window) == [f"exec-{i:04d}" for i in range(19, 9, -1)]


def test_list_prints_a_table_and_refuses_a_forged_cursor(cli: Cli) -> None:
    out = cli("list", "--status", "TIMED_OUT", "--limit", "3")
    lines = out.splitlines()
    assert lines[0].split() == [
        "STARTED",
        "(UTC)",
        "EXECUTION",
        "WORKFLOW",
        "STATUS",
        "STATE",
        "ERROR",
    ]
    assert "exec-0059" in lines[1] and "TIMED_OUT" in lines[1] and "States.Timeout" in lines[1]
    assert "--cursor" in lines[-1]
    assert "No executions match." in cli("list", "--workflow", "Nope")
    assert "cursor" in cli("list", "--cursor", "forged", code=2)


def test_show_gives_the_failure_and_the_history_in_order(cli: Cli) -> None:
    shown = cli.json("show", "exec-0001", "--history")
    assert (shown["status"], shown["error"], shown["failed_state"]) == (
        "FAILED",
        "Payment.Declined",
        "Failed",
    )
    assert shown["correlation_id"] == "order-0001" and "fanout_depth" not in shown
    assert [h["event_id"] for h in shown["history"]] == list(range(1, shown["history_count"] + 1))
    text = cli("show", "exec-0001", "--history")
    assert "Failed in state    Failed" in text and "card declined for 5000" in text
    assert "TaskScheduled" in text and "attempt 1" in text
    assert "No execution 'nobody'" in cli("show", "nobody", code=1)


def test_redrive_of_a_failed_execution_publishes_the_request(
    cli: Cli, settings: OrderloomSettings, codec: EventCodec, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({"order": {"id": "exec-0001", "total": 500, "lines": []}}))
    out = cli(
        "redrive",
        "exec-0001",
        "--reason",
        "customer lowered the total",
        "--actor",
        "ana",
        "--input",
        str(edited),
    )
    assert "Redrive requested for exec-0001" in out and "from state Failed" in out
    sent = read_envelopes(
        settings.kafka, codec, settings.kafka.topic_prefix + "workflow.inputs", count=2, timeout_s=5
    )
    assert len(sent) == 1
    envelope = sent[0].envelope
    assert (envelope.type, envelope.key, envelope.correlation_id) == (
        "orderloom.workflow.RedriveExecution",
        "exec-0001",
        "order-0001",
    )
    assert envelope.data == {
        "execution_id": "exec-0001",
        "actor": "ana",
        "reason": "customer lowered the total",
        "edited_input": json.dumps({"order": {"id": "exec-0001", "total": 500, "lines": []}}),
    }


def test_redrive_refuses_what_did_not_fail_and_sends_nothing(
    cli: Cli, settings: OrderloomSettings, codec: EventCodec
) -> None:
    out = cli("redrive", "exec-0000", "--reason", "again", code=1)
    assert "exec-0000 is SUCCEEDED" in out and "Nothing sent" in out
    assert "No execution 'nobody'" in cli("redrive", "nobody", "--reason", "x", code=1)
    topic = settings.kafka.topic_prefix + "workflow.inputs"
    assert read_envelopes(settings.kafka, codec, topic, count=1, timeout_s=3) == []
