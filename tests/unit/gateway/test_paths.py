"""Operation paths that name fields of the request body."""

from __future__ import annotations

from vendor_gateway.jobs import fill_path


def test_a_plain_path_is_kept() -> None:
    assert fill_path("/sales-orders", '{"order_id": "1"}') == "/sales-orders"


def test_named_fields_are_filled_from_the_body_and_quoted() -> None:
    body = '{"order_id": "order-shop/1001", "n": 3}'
    assert (
        fill_path("/orders/{order_id}/fulfillments", body)
        == "/orders/order-shop%2F1001/fulfillments"
    )


def test_a_missing_field_or_a_body_that_is_not_json_is_refused() -> None:
    assert fill_path("/products/{sku}", '{"order_id": "1"}') is None
    assert fill_path("/products/{sku}", "not json") is None
    assert fill_path("/products/{sku}", None) is None
