"""The order workflow's own steps, run through run-local as the runner would run them."""

from __future__ import annotations

import json
from pathlib import Path

from order_service.steps import HANDLERS, validate
from orderloom.workflow.local import run_local

DEFINITION = json.loads(
    (
        Path(__file__).parents[3] / "services/order/order_service/workflows/order_fulfillment.json"
    ).read_text()
)
GOOD = {
    "order_id": "1001",
    "order_number": "#1001",
    "email": "a@b.c",
    "currency": "EUR",
    "total_cents": 2500,
    "lines": [{"sku": "TEE-BLA-001", "quantity": 1, "price_cents": 2500}],
    "shipping_address": {"country": "NL"},
    "payment_token": "tok_ok",
}


def test_a_good_order_passes() -> None:
    assert validate(GOOD) == {"valid": True}


def test_an_invalid_order_is_rejected_with_every_problem_named() -> None:
    bad = {**GOOD, "lines": [{"sku": "", "quantity": 0}], "currency": "eur"}
    result = run_local(DEFINITION, bad, HANDLERS)

    assert (result.status, result.error) == ("FAILED", "Order.Invalid")
    assert result.cause is not None
    for part in ("line 1 has no SKU", "line 1 quantity", "'eur' is not an ISO 4217 code"):
        assert part in result.cause
    assert [h.details.get("name") for h in result.history if h.type == "FailStateEntered"] == [
        "OrderRejected"
    ]
