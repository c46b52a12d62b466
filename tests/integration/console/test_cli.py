"""`orderloom users|tokens|replay|executions bulk-redrive`, configured by environment, --json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from orderloom.cli import app
from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System
from tests.integration.console.support import ORDER_FLOW, PgConn, order, status_of, wait_until
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration


def test_access_bulk_redrive_and_replay_commands(
    system: System, codec: EventCodec, pg: PgConn
) -> None:
    env = {
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": system.settings.kafka.bootstrap_servers,
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": system.settings.kafka.topic_prefix,
        "ORDERLOOM_POSTGRES__DSN": system.settings.postgres.dsn,
        "ORDERLOOM_LOG_JSON": "false",
    }
    runner = CliRunner()

    def cli(*args: str, stdin: str | None = None, code: int = 0) -> Any:
        result = runner.invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == code, result.output
        return json.loads(result.stdout) if "--json" in args and code == 0 else result.output

    cli(
        "users",
        "add",
        "ana",
        "--role",
        "admin",
        "--password-stdin",
        "--actor",
        "root",
        "--json",
        stdin="pw-long-enough\n",
    )
    assert "already" in cli(
        "users", "add", "ana", "--password-stdin", stdin="pw-long-enough\n", code=1
    )
    assert [u["username"] for u in cli("users", "list", "--json")["users"]] == ["ana"]
    assert cli("users", "disable", "ana", "--json") == {"username": "ana", "disabled": True}
    made = cli("tokens", "create", "nightly", "--role", "operator", "--json")
    assert made["secret"].startswith("olt_") and made["role"] == "operator"
    listed = cli("tokens", "list", "--json")["tokens"]
    assert [t["name"] for t in listed] == ["nightly"] and "secret" not in listed[0]
    assert cli("tokens", "revoke", made["token_id"], "--json")["revoked"] is True

    system.erp.down.set()
    start_all(system.settings, codec, {f"c-{i}": order(6000 + i) for i in range(5)}, ORDER_FLOW)
    wait_until(pg, "SELECT count(*) FROM executions WHERE error = 'ERP.Timeout'", (), 5)
    bulk = ("executions", "bulk-redrive", "--error", "ERP.Timeout", "--reason", "ERP fixed")
    assert cli(*bulk, "--dry-run", "--json")["count"] == 5
    system.erp.fix()
    assert cli(*bulk, "--actor", "ana", "--json")["count"] == 5
    for i in range(5):
        status_of(pg, f"c-{i}", "SUCCEEDED", redrives=1)

    planned = cli("replay", "--since", "1h", "--dry-run", "--json")
    assert planned["executions"] == 5 and planned["dry_run"] is True
    assert "Replayed" in cli("replay", "--order", "order-c-1", "--reason", "check")
    assert "give one of" in cli("replay", "--order", "x", "--from-offset", "0", code=2)
    actions = [
        r[0] for r in pg.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()
    ]
    assert actions == [
        "user-add",
        "user-disable",
        "token-create",
        "token-revoke",
        "bulk-redrive",
        "replay",
    ]
