"""The storefront simulator's cancellations and refunds: valid payloads of good orders,
some right after their order, never refunding more than the order's total."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from order_service.mapping import refund_requested, restock_lines
from order_service.webhooks import Cancellation, Order, PaymentUpdate, Refund
from sim.storefront import Followups, Kind, OrderFactory, Webhook, build
from tests.unit.storefront.test_orders import SECRET, signed_right


def run(count: int = 400, bad_share: float = 0.2) -> list[Webhook]:
    factory = OrderFactory(SECRET, seed=4, bad_share=bad_share)
    return build(factory, count, followups=Followups(cancel_share=0.2, refund_share=0.2))


def test_followups_come_after_their_good_order_some_right_after() -> None:
    webhooks = run()
    position = {(w.kind, w.storefront_order_id): n for n, w in enumerate(webhooks)}
    followups = (Kind.CANCELLATION, Kind.REFUND, Kind.PAYMENT)
    orders = {w.storefront_order_id: w for w in webhooks if w.kind not in followups}
    kinds = Counter(w.kind for w in webhooks)
    assert sum(kinds[k] for k in Kind if k not in followups) == 400
    assert 40 <= kinds[Kind.CANCELLATION] <= 90 and kinds[Kind.REFUND] >= 40
    gaps = []
    for n, w in enumerate(webhooks):
        if w.kind in followups:
            order = orders[w.storefront_order_id]
            assert order.kind is Kind.GOOD
            gaps.append(n - position[(order.kind, order.storefront_order_id)])
            assert signed_right(w.body, w.headers["X-Shopify-Hmac-Sha256"])
    assert min(gaps) == 1 and max(gaps) > 20
    cancelled = {w.storefront_order_id for w in webhooks if w.kind is Kind.CANCELLATION}
    refunded = {w.storefront_order_id for w in webhooks if w.kind is Kind.REFUND}
    assert not cancelled & refunded


def test_followups_are_valid_webhooks_and_refunds_stay_within_the_order() -> None:
    webhooks = run(bad_share=0.0)
    orders = {
        w.storefront_order_id: Order.model_validate_json(w.body)
        for w in webhooks
        if w.kind is Kind.GOOD
    }
    refunded: Counter[int] = Counter()
    for w in webhooks:
        if w.kind is Kind.CANCELLATION:
            assert w.headers["X-Shopify-Topic"] == "orders/cancelled"
            assert Cancellation.model_validate_json(w.body).id in orders
        elif w.kind is Kind.REFUND:
            assert w.headers["X-Shopify-Topic"] == "refunds/create"
            refund = Refund.model_validate_json(w.body)
            refunded[refund.order_id] += refund_requested("s", refund, None)["amount_cents"]
            for line in restock_lines(refund):
                assert line["sku"] == orders[refund.order_id].line_items[0].sku
    for order_id, cents in refunded.items():
        assert cents <= Decimal(orders[order_id].total_price or "0") * 100


def test_every_pending_order_is_paid_a_few_webhooks_later_and_only_those() -> None:
    webhooks = build(OrderFactory(SECRET, seed=9), 300)
    position = {(w.kind, w.storefront_order_id): n for n, w in enumerate(webhooks)}
    pending = {
        w.storefront_order_id
        for w in webhooks
        if w.kind is Kind.GOOD and Order.model_validate_json(w.body).financial_status == "pending"
    }
    paid = [w for w in webhooks if w.kind is Kind.PAYMENT]
    assert pending and {w.storefront_order_id for w in paid} == pending
    for w in paid:
        assert w.headers["X-Shopify-Topic"] == "orders/paid"
        update = PaymentUpdate.model_validate_json(w.body)
        assert update.financial_status == "paid"
        assert [t.kind for t in update.transactions] == ["sale"]
        gap = (
            position[(Kind.PAYMENT, w.storefront_order_id)]
            - position[(Kind.GOOD, w.storefront_order_id)]
        )
        assert 1 <= gap <= 12


def test_shares_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        Followups(cancel_share=0.7, refund_share=0.5)
