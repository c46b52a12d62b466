"""Storefront order webhooks built from the product catalogue, seeded so runs repeat.

A share of them is bad on purpose, in the ways real traffic is: a wrong signature, a
missing field, a SKU the catalogue does not have, a card the payment provider declines
(token ``tok_declined``; good orders carry ``tok_ok``). The intake must refuse the
first two and accept the last two (the workflow rejects those later). Cancellations and
refunds of good orders are made by ``followups``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from orderloom.settings import PROJECT_ROOT

CATALOG = PROJECT_ROOT / "sim" / "catalog.json"
SHOP_DOMAIN = "orderloom-demo.myshopify.com"
EPOCH = datetime(2024, 11, 29, 8, 0, tzinfo=UTC)


class Kind(StrEnum):
    """What an order webhook is like."""

    GOOD = "good"
    BAD_SIGNATURE = "bad_signature"
    MISSING_FIELDS = "missing_fields"
    UNKNOWN_SKU = "unknown_sku"
    PAYMENT_DECLINED = "payment_declined"
    CANCELLATION = "cancellation"
    REFUND = "refund"


BAD_KINDS = (Kind.BAD_SIGNATURE, Kind.MISSING_FIELDS, Kind.UNKNOWN_SKU, Kind.PAYMENT_DECLINED)


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price_cents: int


@dataclass(frozen=True)
class Webhook:
    """One signed (or mis-signed) delivery, ready to send."""

    kind: Kind
    storefront_order_id: int
    body: bytes
    headers: dict[str, str]


def load_products(path: Path = CATALOG) -> list[Product]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [Product(p["sku"], p["title"], int(p["price_cents"])) for p in raw["products"]]


def sign(secret: bytes, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def _price(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class OrderFactory:
    """Makes order ``n`` of a run; the same seed and settings give the same webhooks."""

    def __init__(
        self,
        secret: str,
        *,
        seed: int = 1,
        bad_share: float = 0.0,
        bad_kinds: tuple[Kind, ...] = BAD_KINDS,
        shop_domain: str = SHOP_DOMAIN,
        first_id: int = 5_000_000_000_000,
        products: list[Product] | None = None,
    ) -> None:
        if not 0.0 <= bad_share <= 1.0:
            raise ValueError("bad_share must be in [0, 1]")
        if bad_share and not bad_kinds:
            raise ValueError("a bad share needs at least one bad kind")
        self._secret = secret.encode()
        self.seed = seed
        self._bad_share = bad_share
        self._bad_kinds = bad_kinds
        self._shop_domain = shop_domain
        self._first_id = first_id
        self._products = products or load_products()

    def signed(self, kind: Kind, order_id: int, topic: str, payload: Any, hook: str) -> Webhook:
        """A webhook of ``topic`` carrying ``payload``, signed with the shop's secret."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(self._secret, body),
            "X-Shopify-Shop-Domain": self._shop_domain,
            "X-Shopify-Webhook-Id": f"wh-{self.seed}-{hook}",
            "X-Shopify-API-Version": "2024-10",
        }
        return Webhook(kind, order_id, body, headers)

    def webhook(self, n: int) -> Webhook:
        """Order ``n`` (0-based) of this run, drawn from its own seeded generator."""
        rng = random.Random(f"{self.seed}/{n}")
        kind = Kind.GOOD
        if rng.random() < self._bad_share:
            kind = self._bad_kinds[rng.randrange(len(self._bad_kinds))]
        order_id = self._first_id + n
        payload = self.order(rng, order_id, n, kind)
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = sign(self._secret, body)
        if kind is Kind.BAD_SIGNATURE:
            signature = sign(self._secret + b"-wrong", body)
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": self._shop_domain,
            "X-Shopify-Webhook-Id": f"wh-{self.seed}-{n}",
            "X-Shopify-API-Version": "2024-10",
        }
        return Webhook(kind, order_id, body, headers)

    def order(self, rng: random.Random, order_id: int, n: int, kind: Kind) -> dict[str, Any]:
        """An ``orders/create`` payload, shaped like Shopify's."""
        picked = rng.sample(self._products, k=rng.randint(1, 3))
        quantities = [rng.randint(1, 3) for _ in picked]
        items = [
            {
                "id": order_id * 10 + i,
                "sku": p.sku,
                "title": p.title,
                "quantity": quantities[i],
                "price": _price(p.price_cents),
            }
            for i, p in enumerate(picked)
        ]
        if kind is Kind.UNKNOWN_SKU:
            items[0]["sku"] = f"NOPE-{rng.randrange(10_000):04d}"
        subtotal = sum(p.price_cents * q for p, q in zip(picked, quantities, strict=True))
        shipping = rng.choice((0, 495, 995))
        tax = subtotal * 8 // 100
        first, last = rng.choice(("Ada", "Grace", "Alan", "Edsger")), rng.choice(("Lee", "Kay"))
        payload: dict[str, Any] = {
            "id": order_id,
            "name": f"#{1001 + n}",
            "order_number": 1001 + n,
            "email": f"{first.lower()}.{last.lower()}{n}@example.com",
            "created_at": (EPOCH + timedelta(seconds=n)).isoformat(),
            "currency": "USD",
            "subtotal_price": _price(subtotal),
            "total_tax": _price(tax),
            "total_price": _price(subtotal + shipping + tax),
            "financial_status": "authorized",
            "line_items": items,
            "shipping_address": {
                "first_name": first,
                "last_name": last,
                "address1": f"{rng.randint(1, 999)} Market St",
                "city": "San Francisco",
                "province_code": "CA",
                "zip": "94103",
                "country_code": "US",
            },
            "payment_details": {
                "payment_token": "tok_declined" if kind is Kind.PAYMENT_DECLINED else "tok_ok"
            },
        }
        if kind is Kind.MISSING_FIELDS:
            victim = rng.choice(("currency", "total_price", "line_items", "id"))
            del payload[victim]
        return payload
