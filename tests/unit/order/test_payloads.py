"""Given a bad webhook body, the error names the field at fault."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from order_service.intake import definitions, records
from order_service.mapping import FieldProblem
from order_service.problems import field_path
from order_service.webhooks import Order, Refund, shop_of


def order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 820982911946154508,
        "name": "#9999",
        "email": "jon@example.com",
        "currency": "USD",
        "total_price": "243.00",
        "line_items": [{"sku": "TEE-BLA-001", "quantity": 2, "price": "5.00"}],
    }
    body.update(changes)
    return body


def fields_at_fault(body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate_json(json.dumps(body))
    return [field_path(e["loc"]) for e in caught.value.errors()]


def test_a_valid_order_parses() -> None:
    assert Order.model_validate_json(json.dumps(order())).line_items[0].price == "5.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": None}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"total_price": 243.0}, "total_price"),
        ({"total_price": "12,50"}, "total_price"),
        ({"id": "abc"}, "id"),
        ({"line_items": []}, "line_items"),
        ({"line_items": [{"sku": "A", "quantity": 0, "price": "1.00"}]}, "line_items[0].quantity"),
        ({"line_items": [{"sku": "", "quantity": 1, "price": "1.00"}]}, "line_items[0].sku"),
        ({"line_items": [{"sku": "A", "quantity": 1, "price": "-1.00"}]}, "line_items[0].price"),
    ],
)
def test_an_invalid_field_is_named(changes: dict[str, Any], field: str) -> None:
    assert field in fields_at_fault(order(**changes))


def test_a_missing_field_is_named() -> None:
    body = order()
    del body["line_items"][0]["sku"]
    del body["total_price"]
    assert fields_at_fault(body) == ["total_price", "line_items[0].sku"]


def test_an_amount_finer_than_the_currency_is_refused_with_its_field() -> None:
    body = order(line_items=[{"sku": "A", "quantity": 1, "price": "1.005"}])
    with pytest.raises(FieldProblem) as caught:
        records(Order.model_validate(body), "acme", None, definitions())
    assert caught.value.field == "line_items[0].price"


def test_a_refund_in_two_currencies_is_refused() -> None:
    refund = Refund.model_validate(
        {
            "id": 5,
            "order_id": 9,
            "transactions": [
                {"amount": "1.00", "currency": "USD", "kind": "refund"},
                {"amount": "1.00", "currency": "EUR", "kind": "refund"},
            ],
        }
    )
    with pytest.raises(FieldProblem) as caught:
        records(refund, "acme", None, {})
    assert caught.value.field == "transactions"


def test_shop_domains() -> None:
    assert shop_of("Acme.myshopify.com") == "acme"
    assert shop_of("shop.example.com") == "shop.example.com"
    with pytest.raises(ValueError, match="not a shop domain"):
        shop_of("")
    with pytest.raises(ValueError, match="not a shop domain"):
        shop_of("../etc")
