"""Command input and the gateway's answers, as billing reads them."""

from __future__ import annotations

import json

import pytest

from billing_service.commands import BadRequest, parse
from billing_service.ids import parse_request_id, request_id
from billing_service.model import Capture, Outcome, Waiter
from billing_service.provider import verdict
from orderloom.outbox.tasks import TASK_FAILED, TASK_SUCCEEDED

W = Waiter("tok", "exec", "workflow.inputs")


def test_capture_input_as_the_workflow_sends_it() -> None:
    body = {"order_id": "o1", "amount_cents": 2500, "currency": "EUR", "payment_token": "pm"}
    assert parse("capture", json.dumps(body), W, 1000, None) == Capture(
        "o1", 2500, "EUR", "pm", W, 1000, 301_000
    )


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("capture", {"amount_cents": 1, "currency": "EUR", "payment_token": "p"}, "order_id"),
        ("capture", {"order_id": "o", "amount_cents": 0, "currency": "EUR"}, "amount_cents"),
        ("capture", {"order_id": "o", "amount_cents": 1, "currency": "eu"}, "currency"),
        ("capture", {"order_id": "o", "amount_cents": 1, "currency": "EUR"}, "payment"),
        (
            "capture",
            {"order_id": "o", "amount_cents": 1, "currency": "EUR", "payment": {}},
            "payment.financial_status",
        ),
        (
            "capture",
            {
                "order_id": "o",
                "amount_cents": 1,
                "currency": "EUR",
                "payment": {"financial_status": "paid", "authorization_id": "x"},
            },
            "payment.authorization_id",
        ),
        (
            "refund",
            {"order_id": "o", "amount_cents": 1, "currency": "EUR", "refund_id": "a:b"},
            "refund_id",
        ),
        ("cancel", {"amount_cents": 1}, "order_id"),
        ("charge", {}, "action"),
    ],
)
def test_bad_input_names_the_field(action: str, body: dict[str, object], field: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse(action, json.dumps(body), W, 0, None)
    assert raised.value.field == field


def test_request_ids_lead_back_to_the_operation_even_with_colons_in_the_order() -> None:
    assert parse_request_id(request_id("capture", "shop:1001", 3)) == ("capture", "", "shop:1001")
    named = request_id("refund", "shop:1001", 2, "77")
    assert (named, parse_request_id(named)) == (
        "refund/77:shop:1001:2",
        ("refund", "77", "shop:1001"),
    )
    assert parse_request_id("someone-else") is None


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        ("PAYMENTS.HTTP402", Outcome.DECLINED),
        ("PAYMENTS.HTTP422", Outcome.REJECTED),
        ("PAYMENTS.HTTP409", Outcome.UNAVAILABLE),
        ("PAYMENTS.HTTP503", Outcome.UNAVAILABLE),
        ("PAYMENTS.Timeout", Outcome.UNAVAILABLE),
        ("PAYMENTS.Unavailable", Outcome.UNAVAILABLE),
    ],
)
def test_gateway_errors_become_verdicts(error: str, outcome: Outcome) -> None:
    assert verdict(TASK_FAILED, {"error": error, "cause": "{}"})[0] is outcome


def test_a_success_carries_the_providers_reference() -> None:
    body = json.dumps({"vendor_id": "V00000007", "operation": "POST /captures"})
    assert verdict(TASK_SUCCEEDED, {"output": body}) == (Outcome.SUCCEEDED, "V00000007", "")
