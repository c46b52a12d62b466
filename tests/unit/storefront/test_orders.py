"""The storefront simulator's webhooks: seeded, from the catalogue, bad as configured."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter

import pytest
from pydantic import ValidationError

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


def test_good_orders_are_signed_priced_from_the_catalogue_and_pay_with_tok_ok() -> None:
    prices = {p.sku: p.price_cents for p in load_products()}
    for webhook in build(OrderFactory(SECRET, seed=1), 100):
        assert webhook.kind is Kind.GOOD
        assert signed_right(webhook.body, webhook.headers["X-Shopify-Hmac-Sha256"])
        order = Order.model_validate_json(webhook.body)
        assert order.payment_details is not None
        assert order.payment_details.payment_token == "tok_ok"
        for line in order.line_items:
            assert line.price is not None and line.sku is not None
            assert round(float(line.price) * 100) == prices[line.sku]
        assert webhook.headers["X-Shopify-Topic"] == "orders/create"


def test_the_bad_share_is_spread_over_the_bad_kinds() -> None:
    kinds = Counter(w.kind for w in build(OrderFactory(SECRET, seed=3, bad_share=0.5), 4000))
    assert 1850 <= kinds[Kind.GOOD] <= 2150
    for kind in BAD_KINDS:
        assert 400 <= kinds[kind] <= 600


def test_each_bad_kind_is_bad_in_its_own_way() -> None:
    catalogue = {p.sku for p in load_products()}
    webhooks = build(OrderFactory(SECRET, seed=5, bad_share=1.0), 200)
    for webhook in webhooks:
        signed = signed_right(webhook.body, webhook.headers["X-Shopify-Hmac-Sha256"])
        assert signed is (webhook.kind is not Kind.BAD_SIGNATURE)
        if webhook.kind is Kind.MISSING_FIELDS:
            with pytest.raises(ValidationError):
                Order.model_validate_json(webhook.body)
            continue
        order = Order.model_validate_json(webhook.body)
        skus = {line.sku for line in order.line_items}
        assert (not skus <= catalogue) is (webhook.kind is Kind.UNKNOWN_SKU)
        token = json.loads(webhook.body)["payment_details"]["payment_token"]
        assert (token == "tok_declined") is (webhook.kind is Kind.PAYMENT_DECLINED)


def test_only_the_chosen_bad_kinds_appear() -> None:
    factory = OrderFactory(SECRET, seed=2, bad_share=1.0, bad_kinds=(Kind.UNKNOWN_SKU,))
    assert {w.kind for w in build(factory, 50)} == {Kind.UNKNOWN_SKU}
    with pytest.raises(ValueError, match="bad_share"):
        OrderFactory(SECRET, bad_share=1.5)
