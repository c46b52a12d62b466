"""Given a signed webhook body, only an unreadable identity is refused; any other content
is kept as an execution whose first step names the field at fault."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from order_service.intake import BILLING_COMMANDS, ORDER_EVENTS, definitions, parse, records
from order_service.steps import MissingSku, OrderInvalid, validate
from order_service.webhooks import Order, shop_of
from orderloom.events.codec import codec_for
from tests.unit.order import shopify_payloads as shopify


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def started_input(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    delivery = records(parse(topic, body(payload)), "acme", "wh-1", definitions())
    _, start = delivery.records[0]
    document: dict[str, Any] = json.loads(start.data["input"])
    return document


def test_shopifys_order_parses_with_its_64_bit_ids_nulls_and_money_sets() -> None:
    order = Order.model_validate_json(body(shopify.order()))
    assert order.id == 820982911946154508
    assert order.total_price_set is not None and order.total_price_set.shop_money is not None
    assert order.total_price_set.shop_money.amount == "24.47"
    assert [x.variant_id for x in order.line_items] == [39072856, 39072866, 39072876]
    assert order.transactions[0].kind == "authorization"


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("orders/create", {"id": "abc", "line_items": []}),
        ("orders/create", {"name": "#1"}),
        ("orders/paid", {"id": -3}),
        ("refunds/create", {"id": 5, "transactions": []}),
        ("orders/cancelled", ["not", "an", "object"]),
    ],
)
def test_a_body_without_its_identity_is_refused(topic: str, payload: Any) -> None:
    with pytest.raises(ValidationError):
        parse(topic, body(payload))


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"currency": None}, "currency: None is not an ISO 4217 code"),
        ({"currency": "usd"}, "currency: 'usd'"),
        ({"total_price": "12,50", "total_price_set": None}, "total_cents: '12,50'"),
        ({"total_price_set": shopify.money("24.475")}, "total_cents: '24.475'"),
        ({"line_items": []}, "lines: the order has no line items"),
        ({"shipping_address": None}, "shipping_address: missing"),
        ({"financial_status": "mystery"}, "payment.financial_status: 'mystery'"),
        ({"line_items": [{"sku": "A", "quantity": 0, "price": "1.00"}]}, "lines[0].quantity: 0"),
        ({"line_items": [{"sku": "A", "quantity": 1, "price": "abc"}]}, "price_cents: 'abc'"),
        ({"line_items": [{"sku": "A", "quantity": "x"}]}, "line_items[0].quantity: Input should"),
        ({"created_at": "yesterday"}, "payload: created_at: Input should"),
    ],
)
def test_unusable_content_is_accepted_and_its_validation_names_the_field(
    changes: dict[str, Any], named: str
) -> None:
    document = started_input("orders/create", {**shopify.order(), **changes})
    with pytest.raises(OrderInvalid) as caught:
        validate(document)
    assert caught.value.error == "Order.Invalid"
    assert named in str(caught.value)


def test_a_line_without_sku_fails_as_its_own_error_with_its_variant() -> None:
    for sku in (None, ""):
        document = started_input("orders/create", shopify.order(skus=("TEE-BLA-001", sku)))
        assert document["lines"][1] == {
            "sku": None,
            "quantity": 1,
            "price_cents": 500,
            "variant_id": 39072866,
            "product_id": 3907286,
        }
        with pytest.raises(MissingSku) as caught:
            validate(document)
        assert caught.value.error == "Order.MissingSku"
        assert str(caught.value) == (
            "lines[1].sku: no SKU and variant 39072866, product 3907286 not in the catalogue"
        )
        assert document["resolve_skus"] is True


def test_an_unreadable_order_still_starts_its_execution_and_records_its_receipt() -> None:
    payload = {"id": shopify.ORDER_ID, "line_items": [{"quantity": "two"}], "currency": 5}
    delivery = records(parse("orders/create", body(payload)), "acme", "wh-1", definitions())
    (_, start), (topic, received) = delivery.records
    assert start.data["execution_id"] == "order-acme-820982911946154508"
    assert topic == ORDER_EVENTS and received.data["total_cents"] is None
    document = json.loads(start.data["input"])
    with pytest.raises(OrderInvalid, match="payload: currency: Input should be a valid string"):
        validate(document)


def test_a_payment_update_tells_billing_once_per_status() -> None:
    for topic in ("orders/paid", "orders/updated"):
        delivery = records(parse(topic, body(shopify.paid())), "acme", "wh-9", definitions())
        (command_topic, command), (marker_topic, marker) = delivery.records
        assert (command_topic, marker_topic) == (BILLING_COMMANDS, ORDER_EVENTS)
        assert command.type == marker.type == "orderloom.order.PaymentStatusReported"
        assert command.data["financial_status"] == "paid"
        assert delivery.marker == "order-acme-820982911946154508/payment/paid"
    pending = records(parse("orders/updated", body(shopify.order("pending"))), "acme", None, {})
    assert pending.marker.endswith("/payment/pending")


def test_an_unreadable_refund_starts_an_execution_that_fails_naming_the_field() -> None:
    payload = shopify.refund()
    payload["transactions"][0]["amount"] = "5.001"
    delivery = records(parse("refunds/create", body(payload)), "acme", None, definitions())
    (_, start), (_, requested) = delivery.records
    document = json.loads(start.data["input"])
    assert document["problem"] == "transactions[0].amount: '5.001' has more decimals than USD has"
    assert requested.data["amount_cents"] is None
    assert start.data["workflow"] == "OrderRefund"


def test_shop_domains() -> None:
    assert shop_of("Acme.myshopify.com") == "acme"
    assert shop_of("shop.example.com") == "shop.example.com"
    with pytest.raises(ValueError, match="not a shop domain"):
        shop_of("")
    with pytest.raises(ValueError, match="not a shop domain"):
        shop_of("../etc")


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("orders/create", shopify.order()),
        ("orders/create", shopify.order(skus=(None, "TEE-BLA-001"))),
        ("orders/create", {"id": shopify.ORDER_ID, "line_items": "none"}),
        ("orders/paid", shopify.paid()),
        ("orders/updated", {"id": shopify.ORDER_ID, "financial_status": None}),
        ("orders/updated", {"id": shopify.ORDER_ID, "transactions": "x"}),
        ("orders/cancelled", shopify.cancelled()),
        ("orders/cancelled", {"id": shopify.ORDER_ID, "cancelled_at": "soon"}),
        ("refunds/create", shopify.refund()),
        ("refunds/create", {"id": 1, "order_id": 2, "transactions": [{"amount": "1"}]}),
    ],
)
def test_every_record_of_every_accepted_delivery_encodes_with_its_schema(
    topic: str, payload: Any
) -> None:
    codec = codec_for(None)
    for logical, envelope in records(
        parse(topic, body(payload)), "acme", None, definitions()
    ).records:
        codec.encode(envelope, logical)
