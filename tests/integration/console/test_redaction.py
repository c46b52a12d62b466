"""An order whose input carries a payment token and a card number: neither is shown by the
API or the pages, found by search, or copied into the audit log by a redrive; a redrive
without edits still gives the steps the real values, which the runner kept."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from console_service import access
from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import ORDER_FLOW, PgConn, order, status_of
from tests.integration.console.test_web import PASSWORD, sign_in
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration
TOKEN = "tok_live_51HxQv2eZvKYlo2C9x4242"
CARD = "4111 1111 1111 1111"
SECRETS = (TOKEN, CARD, CARD.replace(" ", ""), "tok_live")


def paid(number: int, quantity: int = 1) -> dict[str, object]:
    return {
        **order(number, quantity),
        "payment_token": TOKEN,
        "note": f"customer read out card {CARD} on the phone",
    }


def shows_none(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


def test_the_console_never_shows_searches_or_audits_a_token_or_card(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    start_all(system.settings, codec, {"pay-1": paid(6001, quantity=0)}, ORDER_FLOW)
    status_of(pg, "pay-1", "FAILED")

    detail = client.get("/api/executions/pay-1", headers=tokens.viewer)
    history = client.get("/api/executions/pay-1/history", headers=tokens.viewer)
    assert shows_none(detail.text) and shows_none(history.text)
    failed_input = detail.json()["failed_input"]
    assert failed_input["payment_token"] == "[redacted …4242]"
    assert failed_input["note"] == "customer read out card [redacted …1111] on the phone"
    assert failed_input["email"] == "customer6001@example.com", "the rest is left as it was"

    def found(q: str) -> list[str]:
        answer = client.get("/api/executions", params={"q": q}, headers=tokens.viewer)
        return [e["execution_id"] for e in answer.json()["executions"]]

    assert found("customer6001@example.com") == ["pay-1"]
    assert found(CARD.replace(" ", "")) == found(CARD) == found(TOKEN) == []
    assert found("1111") == []

    access.add_user(pg, "olga", PASSWORD, "operator")
    csrf = sign_in(client, "olga")
    page = client.get("/executions/pay-1")
    assert page.status_code == 200 and "[redacted …4242]" in page.text and shows_none(page.text)
    listed = client.get("/", params={"q": CARD.replace(" ", "")})
    assert "No orders match" in listed.text
    edited = json.dumps({**failed_input, "quantity": 1})
    preview = client.post(
        "/executions/pay-1/redrive/preview",
        data={"input": edited, "reason": "qty", "csrf": csrf},
    )
    assert preview.status_code == 200 and "would get the hidden marker" in preview.text

    pasted = {**failed_input, "quantity": 1, "note": f"card is {CARD}"}
    sent = client.post(
        "/api/executions/pay-1/redrive",
        json={"reason": f"quantity fixed; card {CARD}", "input": pasted},
        headers=tokens.operator,
    )
    assert sent.status_code == 202, sent.text
    status_of(pg, "pay-1", "SUCCEEDED", redrives=1)
    audit = client.get("/api/audit", params={"target": "pay-1"}, headers=tokens.viewer)
    (entry,) = audit.json()["entries"]
    assert shows_none(audit.text) and shows_none(client.get("/audit").text)
    assert entry["after"]["payment_token"] == "[redacted …4242]"
    assert entry["after"]["note"] == "card is [redacted …1111]"
    assert entry["reason"] == "quantity fixed; card [redacted …1111]"
    after = client.get("/api/executions/pay-1/history", headers=tokens.viewer)
    assert shows_none(after.text) and "ExecutionRedriven" in after.text
    stored = pg.execute("SELECT string_agg(details::text, ' ') FROM execution_history")
    assert shows_none(str(stored.fetchone()))
    assert system.erp.sent["#6001"]["payment_token"] == "[redacted …4242]", (
        "an edited input is sent as the operator saw it"
    )


def test_a_redrive_without_edits_gives_the_step_the_real_token(
    system: System, client: TestClient, tokens: Tokens, codec: EventCodec, pg: PgConn
) -> None:
    system.erp.down.set()
    start_all(system.settings, codec, {"pay-2": paid(6002)}, ORDER_FLOW)
    status_of(pg, "pay-2", "FAILED")
    shown = client.get("/api/executions/pay-2", headers=tokens.viewer).json()
    assert shown["failed_input"]["payment_token"] == "[redacted …4242]"
    system.erp.fix()
    sent = client.post(
        "/api/executions/pay-2/redrive", json={"reason": "ERP is back"}, headers=tokens.operator
    )
    assert sent.status_code == 202, sent.text
    status_of(pg, "pay-2", "SUCCEEDED", redrives=1)
    assert system.erp.sent["#6002"]["payment_token"] == TOKEN
    assert shows_none(json.dumps(client.get("/api/audit", headers=tokens.viewer).json()))
