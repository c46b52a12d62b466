"""The storefront simulator's webhooks: seeded, from the catalogue, bad as configured."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from decimal import Decimal

import pytest
from pydantic import ValidationError

from order_service.intake import definitions, parse, records
from order_service.mapping import workflow_input
from order_service.steps import NotPayable, OrderInvalid, validate
from order_service.webhooks import Order
from sim.storefront import BAD_KINDS, Kind, OrderFactory, build, load_products

SECRET = "3b1d9e0f6a2c48b7a5e4"


def signed_right(body: bytes, header: str) -> bool:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), header)


def test_the_same_seed_gives_the_same_webhooks_and_another_seed_others() -> None:
    first = build(OrderFactory(SECRET, seed=7, bad_share=0.3), 50)
    again = build(OrderFactory(SECRET, seed=7, bad_share=0.3), 50)
    other = build(OrderFactory(SECRET, seed=8, bad_share=0.3), 50)
    assert first == again
    assert [w.body for w in first] != [w.body for w in other]


def test_good_orders_are_shopify_shaped_signed_and_priced_from_the_catalogue() -> None:
    prices = {p.sku: p.price_cents for p in load_products()}
    statuses: Counter[str | None] = Counter()
    repeated_sku = 0
    for webhook in build(OrderFactory(SECRET, seed=1), 300):
        if webhook.kind is Kind.PAYMENT:
            continue
        assert webhook.kind is Kind.GOOD
        assert signed_right(webhook.body, webhook.headers["X-Shopify-Hmac-Sha256"])
        assert webhook.headers["X-Shopify-Topic"] == "orders/create"
        order = Order.model_validate_json(webhook.body)
        assert order.payment_details is None, "Shopify sends no payment token"
        statuses[order.financial_status] += 1
        document = workflow_input("s", order)
        assert validate(document) == {"valid": True}
        for line in document["lines"]:
            assert line["price_cents"] == prices[line["sku"]]
            assert line["variant_id"] > 2**32
        skus = [x["sku"] for x in document["lines"]]
        repeated_sku += len(skus) != len(set(skus))
        total = sum(x["price_cents"] * x["quantity"] for x in document["lines"])
        body = json.loads(webhook.body)
        assert total == _cents(body["total_line_items_price"])
        assert document["total_cents"] == total - _cents(body["total_discounts"]) + _cents(
            body["total_shipping_price_set"]["shop_money"]["amount"]
        ) + _cents(body["total_tax"])
        kinds = {t.kind for t in order.transactions}
        assert kinds == {"authorized": {"authorization"}, "paid": {"sale"}}.get(
            order.financial_status or "", set()
        )
    assert set(statuses) == {"authorized", "paid", "pending"}
    assert repeated_sku > 0, "now and then two lines of one SKU"


def _cents(amount: str) -> int:
    return round(Decimal(amount) * 100)


def test_token_orders_carry_their_payment_token() -> None:
    for webhook in build(OrderFactory(SECRET, seed=1, payments="token"), 50):
        order = Order.model_validate_json(webhook.body)
        assert order.payment_details is not None
        assert order.payment_details.payment_token == "tok_ok"
        assert validate(workflow_input("s", order)) == {"valid": True}


def test_the_bad_share_is_spread_over_the_bad_kinds() -> None:
    webhooks = build(OrderFactory(SECRET, seed=3, bad_share=0.6), 4000)
    kinds: Counter[Kind] = Counter(w.kind for w in webhooks if w.kind is not Kind.PAYMENT)
    assert 1450 <= kinds[Kind.GOOD] <= 1750
    for kind in BAD_KINDS:
        assert 300 <= kinds[kind] <= 500


EXPECTED = {
    Kind.UNUSABLE: "Order.Invalid",
    Kind.NO_SKU: "Order.MissingSku",
    Kind.PAYMENT_DECLINED: "Order.Voided",
}


def test_each_bad_kind_is_bad_in_its_own_way() -> None:
    catalogue = {p.sku for p in load_products()}
    webhooks = build(OrderFactory(SECRET, seed=5, bad_share=1.0), 300)
    seen = set()
    for webhook in webhooks:
        seen.add(webhook.kind)
        signed = signed_right(webhook.body, webhook.headers["X-Shopify-Hmac-Sha256"])
        assert signed is (webhook.kind is not Kind.BAD_SIGNATURE)
        if webhook.kind is Kind.MISSING_FIELDS:
            with pytest.raises(ValidationError):
                parse("orders/create", webhook.body)
            continue
        if webhook.kind in EXPECTED:
            delivery = records(parse("orders/create", webhook.body), "s", None, definitions())
            start = json.loads(delivery.records[0][1].data["input"])
            with pytest.raises((OrderInvalid, NotPayable)) as caught:
                validate(start)
            assert getattr(caught.value, "error", None) == EXPECTED[webhook.kind]
            continue
        document = workflow_input("s", Order.model_validate_json(webhook.body))
        assert validate(document) == {"valid": True}
        skus = {line["sku"] for line in document["lines"]}
        assert (not skus <= catalogue) is (webhook.kind is Kind.UNKNOWN_SKU)
    assert seen == set(BAD_KINDS)


def test_token_orders_declined_carry_the_declined_token() -> None:
    factory = OrderFactory(
        SECRET, seed=6, bad_share=1.0, bad_kinds=(Kind.PAYMENT_DECLINED,), payments="token"
    )
    for webhook in build(factory, 20):
        assert json.loads(webhook.body)["payment_details"]["payment_token"] == "tok_declined"


def test_only_the_chosen_bad_kinds_appear() -> None:
    factory = OrderFactory(SECRET, seed=2, bad_share=1.0, bad_kinds=(Kind.UNKNOWN_SKU,))
    assert {w.kind for w in build(factory, 50)} == {Kind.UNKNOWN_SKU}
    with pytest.raises(ValueError, match="bad_share"):
        OrderFactory(SECRET, bad_share=1.5)
    with pytest.raises(ValueError, match="payments"):
        OrderFactory(SECRET, payments="cash")
