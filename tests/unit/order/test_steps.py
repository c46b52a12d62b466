"""The order workflow's own steps, run through run-local as the runner would run them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from order_service.steps import HANDLERS, RefundInvalid, check_refund, validate
from orderloom.workflow.local import run_local

DEFINITION = json.loads(
    (
        Path(__file__).parents[3] / "services/order/order_service/workflows/order_fulfillment.json"
    ).read_text()
)
GOOD: dict[str, Any] = {
    "order_id": "1001",
    "order_number": "#1001",
    "email": "a@b.c",
    "currency": "EUR",
    "total_cents": 2500,
    "lines": [{"sku": "TEE-BLA-001", "quantity": 1, "price_cents": 2500}],
    "shipping_address": {"country_code": "NL"},
    "payment": {"financial_status": "authorized", "payment_token": None},
}


def paying(status: str | None, token: str | None = None) -> dict[str, Any]:
    return {**GOOD, "payment": {"financial_status": status, "payment_token": token}}


@pytest.mark.parametrize(
    "status", ["paid", "authorized", "pending", "partially_paid", "partially_refunded"]
)
def test_a_good_order_passes_whatever_the_storefront_will_be_paid(status: str) -> None:
    assert validate(paying(status)) == {"valid": True}


def test_a_payment_token_is_enough_without_a_financial_status() -> None:
    assert validate(paying(None, "tok_ok")) == {"valid": True}


def test_an_invalid_order_fails_at_its_validation_with_every_problem_named() -> None:
    bad = {**GOOD, "lines": [{"sku": "", "quantity": 0, "price_cents": 1}], "currency": "eur"}
    result = run_local(DEFINITION, bad, HANDLERS)

    assert (result.status, result.error) == ("FAILED", "Order.Invalid")
    assert result.cause is not None
    for part in ("lines[0].sku: no SKU", "lines[0].quantity: 0", "currency: 'eur'"):
        assert part in result.cause
    assert [h.details.get("state") for h in result.history if h.type == "ExecutionFailed"] == [
        "ValidateOrder"
    ], "the failure is at the step an operator redrives, not in a Fail state"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("voided", "Order.Voided"),
        ("refunded", "Order.Refunded"),
        ("expired", "Order.PaymentExpired"),
    ],
)
def test_an_order_whose_money_is_gone_is_rejected_by_name(status: str, error: str) -> None:
    result = run_local(DEFINITION, paying(status), HANDLERS)
    assert (result.status, result.error) == ("FAILED", error)
    assert [h.details.get("name") for h in result.history if h.type == "FailStateEntered"] == [
        "OrderRejected"
    ]


def test_a_refund_that_could_not_be_read_fails_its_check_naming_the_field() -> None:
    with pytest.raises(RefundInvalid, match=r"transactions\[0\]\.amount"):
        check_refund({"amount_cents": None, "problem": "transactions[0].amount: bad"})
    with pytest.raises(RefundInvalid, match="amount_cents"):
        check_refund({"amount_cents": "5.00"})
    assert check_refund({"amount_cents": 500}) == {"valid": True}
