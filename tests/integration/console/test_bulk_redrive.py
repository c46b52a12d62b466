"""500 orders fail because the ERP is down; it comes back; one bulk redrive finishes them all,
each exactly once, with one audit entry naming the filter and the count."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import ORDER_FLOW, PgConn, order, wait_until
from tests.integration.workflow.support import envelopes_of, start_all

pytestmark = pytest.mark.integration
COUNT = 500


def test_bulk_redrive_of_500_failed_orders_after_the_erp_is_fixed(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    system.erp.down.set()
    start_all(system.settings, codec, {f"b-{i}": order(i) for i in range(COUNT)}, ORDER_FLOW)
    start_all(system.settings, codec, {"other": order(9999, quantity=0)}, ORDER_FLOW)
    wait_until(pg, "SELECT count(*) FROM executions WHERE error = 'ERP.Timeout'", (), COUNT)
    first = pg.execute("SELECT min(started_at) FROM executions").fetchone()
    assert first is not None and isinstance(first[0], datetime)
    since = first[0]
    bulk = {"filter": {"error": "ERP.Timeout", "since": since.isoformat()}, "reason": "ERP back"}

    refused = client.post(
        "/api/bulk-redrives", json={**bulk, "dry_run": False}, headers=tokens.viewer
    )
    assert refused.status_code == 403
    counted = client.post("/api/bulk-redrives", json=bulk, headers=tokens.operator).json()
    assert counted == {"dry_run": True, "count": COUNT}

    system.erp.fix()
    done = client.post(
        "/api/bulk-redrives", json={**bulk, "dry_run": False}, headers=tokens.operator
    )
    assert done.status_code == 200 and done.json()["count"] == COUNT
    again = client.post(
        "/api/bulk-redrives", json={**bulk, "dry_run": False}, headers=tokens.operator
    )
    assert again.json()["count"] == 0
    wait_until(
        pg,
        "SELECT count(*) FROM executions WHERE status = 'SUCCEEDED' AND redrive_count = 1",
        (),
        COUNT,
        timeout_s=120,
    )

    assert system.erp.booked == {f"#{i}": 1 for i in range(COUNT)}
    redriven = Counter(
        str(r[0])
        for r in pg.execute(
            "SELECT execution_id FROM execution_history WHERE event_type = 'ExecutionRedriven'"
        ).fetchall()
    )
    assert redriven == Counter({f"b-{i}": 1 for i in range(COUNT)})
    inputs = envelopes_of(system.settings, codec, "workflow.inputs", idle_s=1.0)
    sent = Counter(e.key for e in inputs if e.type.endswith("RedriveExecution"))
    assert sent == Counter({f"b-{i}": 1 for i in range(COUNT)})
    assert {e.data["actor"] for e in inputs if e.type.endswith("RedriveExecution")} == {
        "token:operator-test"
    }

    entries = client.get("/api/audit", headers=tokens.viewer).json()["entries"]
    assert [e["count"] for e in entries] == [0, COUNT]  # the second bulk found nothing left
    entry = entries[1]
    assert entry["action"] == "bulk-redrive" and entry["count"] == COUNT
    assert entry["filter"] == {
        "status": "FAILED",
        "error": "ERP.Timeout",
        "since": since.isoformat(),
    }
    assert entry["reason"] == "ERP back"
