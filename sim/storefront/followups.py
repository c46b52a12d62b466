"""What follows some good orders, as a storefront sends it: ``orders/paid`` for every
order that was pending (a few webhooks later), a cancellation (some right after the order,
racing its fulfilment; some a while later) or one or two partial refunds (one unit of the
first line, restocked as returned; then the tax, money only). The bodies are Shopify's:
the whole order for ``orders/paid`` and ``orders/cancelled``, the refund with its refund
line items and transactions for ``refunds/create``.

Seeded per order like the orders themselves; ``delay`` is how many webhooks later than its
order a follow-up is sent (a fraction: right after it).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sim.storefront.orders import EPOCH, Kind, OrderFactory, Webhook

RIGHT_AFTER = 0.5
LATER = (20, 400)
PAID_AFTER = (1, 10)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Followups:
    """Shares of good orders that are cancelled, or refunded (never both)."""

    cancel_share: float = 0.0
    refund_share: float = 0.0

    def __post_init__(self) -> None:
        shares = (self.cancel_share, self.refund_share)
        if min(shares) < 0 or sum(shares) > 1:
            raise ValueError("cancel and refund shares must be >= 0 and add up to at most 1")

    def of(self, factory: OrderFactory, n: int, order: Webhook) -> list[tuple[float, Webhook]]:
        """Order ``n``'s follow-ups with their delays; none for an order that is not good."""
        if order.kind is not Kind.GOOD:
            return []
        rng = random.Random(f"{factory.seed}/{n}/after")
        draw = rng.random()
        payload = json.loads(order.body)
        paid = []
        if payload["financial_status"] == "pending":
            paid = [(float(rng.randint(*PAID_AFTER)), _paid(factory, n, payload))]
        if draw < self.cancel_share:
            delay = RIGHT_AFTER if rng.random() < 0.5 else float(rng.randint(*LATER))
            return [*paid, (delay, _cancellation(factory, n, payload))]
        if draw < self.cancel_share + self.refund_share:
            first = float(rng.randint(*LATER))
            refunds = [(first, _refund(factory, n, payload, 1))]
            if rng.random() < 0.5:
                refunds.append((first + rng.randint(1, 50), _refund(factory, n, payload, 2)))
            return [*paid, *refunds]
        return paid


def _paid(factory: OrderFactory, n: int, order: dict[str, Any]) -> Webhook:
    """``orders/paid``: the whole order again, now paid by a sale transaction."""
    paid_at = (EPOCH + timedelta(seconds=n, minutes=2)).isoformat()
    payload = {
        **order,
        "financial_status": "paid",
        "updated_at": paid_at,
        "transactions": [_transaction(order, "sale", order["total_price"], 7, paid_at)],
    }
    return factory.signed(Kind.PAYMENT, order["id"], "orders/paid", payload, f"{n}-p")


def _cancellation(factory: OrderFactory, n: int, order: dict[str, Any]) -> Webhook:
    """``orders/cancelled``: the whole order, cancelled by the customer."""
    cancelled_at = (EPOCH + timedelta(seconds=n, minutes=5)).isoformat()
    payload = {
        **order,
        "cancelled_at": cancelled_at,
        "cancel_reason": "customer",
        "updated_at": cancelled_at,
        "financial_status": "voided" if order["financial_status"] != "paid" else "refunded",
    }
    return factory.signed(Kind.CANCELLATION, order["id"], "orders/cancelled", payload, f"{n}-c")


def _refund(factory: OrderFactory, n: int, order: dict[str, Any], which: int) -> Webhook:
    line = order["line_items"][0]
    created_at = (EPOCH + timedelta(seconds=n, days=which)).isoformat()
    if which == 1:
        discount = Decimal(order["total_discounts"])
        amount = str(max(Decimal(line["price"]) - discount, Decimal(0)).quantize(CENT))
        lines = [
            {
                "id": order["id"] * 100 + which,
                "line_item_id": line["id"],
                "location_id": None,
                "quantity": 1,
                "restock_type": "return",
                "subtotal": amount,
                "total_tax": "0.00",
                "line_item": {
                    "id": line["id"],
                    "variant_id": line["variant_id"],
                    "product_id": line["product_id"],
                    "sku": line["sku"],
                    "title": line["title"],
                    "quantity": line["quantity"],
                    "price": line["price"],
                },
            }
        ]
    else:
        amount, lines = order["total_tax"], []
    payload = {
        "id": order["id"] * 10 + which,
        "order_id": order["id"],
        "admin_graphql_api_id": f"gid://shopify/Refund/{order['id'] * 10 + which}",
        "created_at": created_at,
        "processed_at": created_at,
        "note": "returned" if which == 1 else "tax refunded",
        "restock": which == 1,
        "user_id": None,
        "duties": [],
        "order_adjustments": [],
        "refund_line_items": lines,
        "transactions": [_transaction(order, "refund", amount, which, created_at)],
    }
    return factory.signed(Kind.REFUND, order["id"], "refunds/create", payload, f"{n}-r{which}")


def _transaction(
    order: dict[str, Any], kind: str, amount: str, which: int, at: str
) -> dict[str, Any]:
    parents = order.get("transactions") or []
    return {
        "id": order["id"] * 10 + which,
        "order_id": order["id"],
        "kind": kind,
        "status": "success",
        "gateway": "bogus",
        "amount": amount,
        "currency": order["currency"],
        "parent_id": parents[0]["id"] if parents else None,
        "created_at": at,
        "test": True,
    }
