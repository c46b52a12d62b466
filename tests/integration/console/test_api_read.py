"""Reading through the API: filters, free text, pages, counts, detail, history, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import ORDER_FLOW, PgConn, order, wait_until
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration


def test_filters_free_text_pages_and_counts(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    orders = {f"e-{i:02}": order(2000 + i, quantity=0 if i < 4 else 1) for i in range(12)}
    start_all(system.settings, codec, orders, ORDER_FLOW)
    wait_until(pg, "SELECT count(*) FROM executions WHERE stopped_at IS NOT NULL", (), 12)

    def ids(**params: str) -> list[str]:
        answer = client.get("/api/executions", params=params, headers=tokens.viewer)
        assert answer.status_code == 200, answer.text
        return sorted(e["execution_id"] for e in answer.json()["executions"])

    assert ids(status="failed") == ["e-00", "e-01", "e-02", "e-03"]
    assert ids(error="ValueError", state="Validate") == ["e-00", "e-01", "e-02", "e-03"]
    assert ids(q="customer2005@example.com") == ["e-05"]
    assert ids(q="2007") == ["e-07"]
    assert ids(order="order-e-08") == ["e-08"]
    assert ids(q="e-09") == ["e-09"]
    assert ids(workflow="TestFlow", status="SUCCEEDED") == [f"e-{i:02}" for i in range(4, 12)]

    pages: list[str] = []
    cursor = None
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/executions", params=params, headers=tokens.viewer).json()
        pages += [e["execution_id"] for e in page["executions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(pages) == sorted(orders) and len(pages) == 12

    counts = client.get("/api/executions/counts", headers=tokens.viewer).json()["counts"]
    assert counts == {"FAILED": 4, "SUCCEEDED": 8}
    bad = client.get("/api/executions", params={"cursor": "nonsense"}, headers=tokens.viewer)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("cursor:")
    wrong = client.get("/api/executions", params={"status": "LOST"}, headers=tokens.viewer)
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("status:")


def test_detail_history_definition_and_not_found(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    start_all(system.settings, codec, {"d-1": order(3001)}, ORDER_FLOW)
    wait_until(pg, "SELECT status FROM executions WHERE execution_id = 'd-1'", (), "SUCCEEDED")
    detail = client.get("/api/executions/d-1", headers=tokens.viewer).json()
    assert detail["input"] == order(3001) and detail["output"]["erp"] == {"erp_id": "SO-#3001"}
    assert detail["redrive_count"] == 0 and detail["duration_ms"] >= 0
    assert [s["name"] for s in detail["steps"]] == [
        "Started",
        "Validate",
        "BookInErp",
        "Done",
        "Succeeded",
    ]
    history = client.get("/api/executions/d-1/history", headers=tokens.viewer).json()["events"]
    assert history[0]["event_type"] == "ExecutionStarted"
    assert history[-1]["event_type"] == "ExecutionSucceeded"
    for path in (
        "/api/executions/nope",
        "/api/executions/nope/history",
        "/api/executions/nope/definition",
    ):
        missing = client.get(path, headers=tokens.viewer)
        assert missing.status_code == 404
        assert missing.json()["status"] == 404 and missing.json()["title"] == "Not Found"
    assert client.get("/api/executions/d-1").status_code == 401
    assert "/api/executions/{execution_id}/redrive" in client.get("/openapi.json").json()["paths"]
