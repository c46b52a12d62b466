"""What follows some good orders, as a storefront sends it: a cancellation (some right
after the order, racing its fulfilment; some a while later) or one or two partial refunds
(one unit of the first line, restocked as returned; then the tax, money only).

Seeded per order like the orders themselves; ``delay`` is how many webhooks later than its
order a follow-up is sent (a fraction: right after it).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sim.storefront.orders import EPOCH, Kind, OrderFactory, Webhook

RIGHT_AFTER = 0.5
LATER = (20, 400)


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
        if draw < self.cancel_share:
            delay = RIGHT_AFTER if rng.random() < 0.5 else float(rng.randint(*LATER))
            return [(delay, _cancellation(factory, n, payload))]
        if draw < self.cancel_share + self.refund_share:
            first = float(rng.randint(*LATER))
            refunds = [(first, _refund(factory, n, payload, 1))]
            if rng.random() < 0.5:
                refunds.append((first + rng.randint(1, 50), _refund(factory, n, payload, 2)))
            return refunds
        return []


def _cancellation(factory: OrderFactory, n: int, order: dict[str, Any]) -> Webhook:
    payload = {
        "id": order["id"],
        "name": order["name"],
        "cancelled_at": (EPOCH + timedelta(seconds=n, minutes=5)).isoformat(),
        "cancel_reason": "customer",
        "financial_status": "voided",
    }
    return factory.signed(Kind.CANCELLATION, order["id"], "orders/cancelled", payload, f"{n}-c")


def _refund(factory: OrderFactory, n: int, order: dict[str, Any], which: int) -> Webhook:
    line = order["line_items"][0]
    if which == 1:
        amount = line["price"]
        lines = [
            {
                "line_item_id": line["id"],
                "quantity": 1,
                "restock_type": "return",
                "subtotal": line["price"],
                "line_item": {"sku": line["sku"]},
            }
        ]
    else:
        amount, lines = order["total_tax"], []
    payload = {
        "id": order["id"] * 10 + which,
        "order_id": order["id"],
        "created_at": (EPOCH + timedelta(seconds=n, days=which)).isoformat(),
        "note": "returned" if which == 1 else "tax refunded",
        "refund_line_items": lines,
        "transactions": [
            {"amount": amount, "currency": order["currency"], "kind": "refund", "status": "success"}
        ],
    }
    return factory.signed(Kind.REFUND, order["id"], "refunds/create", payload, f"{n}-r{which}")
