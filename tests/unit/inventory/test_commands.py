"""Bad input is refused with the field at fault named."""

from __future__ import annotations

import json

import pytest

from inventory_service.commands import BadRequest, parse
from inventory_service.model import (
    Cancel,
    Commit,
    Line,
    Release,
    Reserve,
    Restock,
    RestockedLine,
)


def test_reserve_input_as_the_workflow_sends_it() -> None:
    body = {"order_id": "o1", "lines": [{"sku": "TEE", "quantity": 2, "price_cents": 500}]}
    assert parse("reserve", json.dumps(body)) == Reserve("o1", (Line("TEE", 2, 500),))
    assert parse("release", '{"order_id": "o1"}') == Release("o1")
    assert parse("cancel", '{"order_id": "o1"}') == Cancel("o1")
    assert parse("commit", '{"order_id": "o1"}') == Commit("o1")
    restock = '{"order_id": "o1", "refund_id": 42, "lines": [{"sku": "TEE", "quantity": 1}]}'
    assert parse("restock", restock) == Restock("o1", "42", (RestockedLine("TEE", 1),))


@pytest.mark.parametrize(
    ("action", "text", "field"),
    [
        ("reserve", "{not json", "input"),
        ("reserve", "[]", "input"),
        ("reserve", '{"lines": [{"sku": "A", "quantity": 1}]}', "order_id"),
        ("reserve", '{"order_id": "o", "lines": []}', "lines"),
        (
            "reserve",
            '{"order_id": "o", "lines": [{"sku": "A", "quantity": 0}]}',
            "lines[0].quantity",
        ),
        ("reserve", '{"order_id": "o", "lines": [{"quantity": 1}]}', "lines[0].sku"),
        ("reserve", '{"order_id": "o", "lines": [3]}', "lines[0]"),
        ("apply_levels", '{"levels": [{"sku": "A", "on_hand": -1}]}', "levels[0].on_hand"),
        (
            "apply_levels",
            '{"levels": [{"sku": "A", "on_hand": 1}, {"sku": "A", "on_hand": 2}]}',
            "levels[1].sku",
        ),
        ("apply_products", '{"products": [{"sku": "A", "price_cents": 1}]}', "products[0].title"),
        ("restock", '{"order_id": "o", "refund_id": 0, "lines": []}', "refund_id"),
        (
            "restock",
            '{"order_id": "o", "refund_id": 7, "lines": [{"sku": "A", "quantity": -1}]}',
            "lines[0].quantity",
        ),
        ("cancel", "{}", "order_id"),
        ("commit", '{"order_id": ""}', "order_id"),
        ("ship", "{}", "action"),
    ],
)
def test_bad_input_names_the_field(action: str, text: str, field: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse(action, text)
    assert raised.value.field == field
