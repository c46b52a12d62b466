"""Redrive through the API, as operations staff do it: find the failure, fix the input,
redrive, see it complete; and every way it must refuse (401, 403, 404, 409, 422)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import ORDER_FLOW, WAITING_FLOW, PgConn, order, status_of
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def test_a_failed_order_is_found_fixed_and_redriven_with_actor_and_reason_in_its_history(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    start_all(system.settings, codec, {"x-1": order(1001, quantity=0)}, ORDER_FLOW)
    status_of(pg, "x-1", "FAILED")
    found = client.get(
        "/api/executions", params={"q": "customer1001@example.com"}, headers=tokens.viewer
    )
    assert [e["execution_id"] for e in found.json()["executions"]] == ["x-1"]
    detail = client.get("/api/executions/x-1", headers=tokens.viewer).json()
    assert (detail["failed_state"], detail["error"]) == ("Validate", "ValueError")
    assert detail["failed_input"] == order(1001, quantity=0)

    fixed = {**order(1001), "quantity": 2}
    sent = client.post(
        "/api/executions/x-1/redrive",
        json={"reason": "customer confirmed 2 pieces", "input": fixed},
        headers=tokens.operator,
    )
    assert sent.status_code == 202, sent.text
    status_of(pg, "x-1", "SUCCEEDED", redrives=1)

    events = client.get("/api/executions/x-1/history", headers=tokens.viewer).json()["events"]
    redriven = [e["details"] for e in events if e["event_type"] == "ExecutionRedriven"]
    assert redriven == [
        {
            "actor": "token:operator-test",
            "reason": "customer confirmed 2 pieces",
            "redrive_count": 1,
            "state": "Validate",
            "input_edited": True,
            "input": fixed,
        }
    ]
    (entry,) = client.get("/api/audit", params={"target": "x-1"}, headers=tokens.viewer).json()[
        "entries"
    ]
    assert entry["action"] == "redrive" and entry["actor"] == "token:operator-test"
    assert (entry["before"], entry["after"]) == (order(1001, quantity=0), fixed)
    definition = client.get("/api/executions/x-1/definition", headers=tokens.viewer)
    assert definition.status_code == 200 and definition.json()["definition"] == ORDER_FLOW


def test_redrive_refusals_are_problems_that_say_what_is_wrong(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    start_all(system.settings, codec, {"x-2": order(1002, quantity=0)}, ORDER_FLOW)
    start_all(system.settings, codec, {"w-1": order(1003)}, WAITING_FLOW)
    status_of(pg, "x-2", "FAILED")
    status_of(pg, "w-1", "RUNNING")
    body = {"reason": "retry"}

    missing = client.post("/api/executions/x-2/redrive", json=body)
    assert missing.status_code == 401 and missing.headers["content-type"] == PROBLEM
    unknown = client.post(
        "/api/executions/x-2/redrive", json=body, headers={"Authorization": "Bearer olt_nope_x"}
    )
    assert unknown.status_code == 401
    viewer = client.post("/api/executions/x-2/redrive", json=body, headers=tokens.viewer)
    assert viewer.status_code == 403 and "operator" in viewer.json()["detail"]

    for bad in ("{not json", [1, 2], 7):
        invalid = client.post(
            "/api/executions/x-2/redrive", json={**body, "input": bad}, headers=tokens.operator
        )
        assert invalid.status_code == 422 and invalid.headers["content-type"] == PROBLEM
        assert invalid.json()["errors"][0]["field"] == "input"
        assert invalid.json()["detail"].startswith("input:")
    unparsable = client.post(
        "/api/executions/x-2/redrive",
        content=b'{"reason": "x", "input": {',
        headers={**tokens.operator, "Content-Type": "application/json"},
    )
    assert unparsable.status_code == 422

    running = client.post("/api/executions/w-1/redrive", json=body, headers=tokens.operator)
    assert running.status_code == 409 and "RUNNING" in running.json()["detail"]
    nothing = client.post("/api/executions/nope/redrive", json=body, headers=tokens.operator)
    assert nothing.status_code == 404

    first = client.post("/api/executions/x-2/redrive", json=body, headers=tokens.operator)
    twice = client.post("/api/executions/x-2/redrive", json=body, headers=tokens.operator)
    assert (first.status_code, twice.status_code) == (202, 409)
    assert "already" in twice.json()["detail"]
    status_of(pg, "x-2", "FAILED", redrives=1)
    entries = client.get("/api/audit", headers=tokens.viewer).json()["entries"]
    assert [e["action"] for e in entries] == ["redrive"]
