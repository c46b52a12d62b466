"""Storefront order webhooks built from the product catalogue, seeded so runs repeat.

Shaped like Shopify's documented ``orders/create`` (shopify.dev, REST Admin ``Order``):
64-bit ids, nulls where Shopify sends them, amounts as strings and as ``*_set`` shop
money, discount codes, shipping lines, ``variant_id``/``product_id`` on each line, now
and then two lines of one SKU, and the payment as Shopify has it: a ``financial_status``
(``authorized`` with its authorization transaction, ``paid`` with its sale, or ``pending``
with none, paid later by ``orders/paid``, see ``followups``). ``payments="token"`` makes
orders of a storefront that leaves the capture to a payment provider instead: each carries
``payment_details.payment_token`` (``tok_ok``; ``tok_declined`` for a declined card).

A share of them is bad on purpose, in the ways real traffic is: a wrong signature, no
order id (both refused), content the order flow cannot use (no currency, total, lines or
address), a line without SKU (a custom item), a SKU the catalogue does not have, a
payment that is gone (Shopify: ``voided``; tokens: a declined card). The intake accepts
the last four, and their executions fail naming the reason.
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
    UNUSABLE = "unusable"
    NO_SKU = "no_sku"
    UNKNOWN_SKU = "unknown_sku"
    PAYMENT_DECLINED = "payment_declined"
    CANCELLATION = "cancellation"
    REFUND = "refund"
    PAYMENT = "payment"


BAD_KINDS = (
    Kind.BAD_SIGNATURE,
    Kind.MISSING_FIELDS,
    Kind.UNUSABLE,
    Kind.NO_SKU,
    Kind.UNKNOWN_SKU,
    Kind.PAYMENT_DECLINED,
)
REFUSED_KINDS = frozenset({Kind.BAD_SIGNATURE, Kind.MISSING_FIELDS})
"""What the intake refuses: a wrong signature, a body without its order id."""
PAYMENTS = ("storefront", "token")
GOOD_STATUSES = (("authorized", 0.5), ("paid", 0.35), ("pending", 0.15))
"""How a good order is paid, Shopify's way, and how often."""


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price_cents: int
    variant_id: int | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class Webhook:
    """One signed (or mis-signed) delivery, ready to send."""

    kind: Kind
    storefront_order_id: int
    body: bytes
    headers: dict[str, str]


def load_products(path: Path = CATALOG) -> list[Product]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        Product(
            p["sku"], p["title"], int(p["price_cents"]), p.get("variant_id"), p.get("product_id")
        )
        for p in raw["products"]
    ]


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
        payments: str = "storefront",
    ) -> None:
        if payments not in PAYMENTS:
            raise ValueError(f"payments must be one of {PAYMENTS}")
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
        self.payments = payments

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
        if rng.random() < 0.1:
            picked, quantities = [picked[0], *picked], [1, *quantities]
        items = [
            self._line(order_id * 10 + i, p, q)
            for i, (p, q) in enumerate(zip(picked, quantities, strict=True))
        ]
        if kind is Kind.UNKNOWN_SKU:
            items[0]["sku"] = f"NOPE-{rng.randrange(10_000):04d}"
            items[0]["variant_id"] = items[0]["product_id"] = None
        if kind is Kind.NO_SKU:
            items.append(_custom_line(order_id * 10 + len(items)))
        lines_total = sum(_cents(x["price"]) * x["quantity"] for x in items)
        discount = 500 if lines_total > 5000 and rng.random() < 0.3 else 0
        subtotal = lines_total - discount
        shipping = rng.choice((0, 495, 995))
        tax = subtotal * 8 // 100
        total = subtotal + shipping + tax
        first, last = rng.choice(("Ada", "Grace", "Alan", "Edsger")), rng.choice(("Lee", "Kay"))
        created = (EPOCH + timedelta(seconds=n)).isoformat()
        status = self._status(rng, kind)
        payload: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{1001 + n}",
            "number": 1 + n,
            "order_number": 1001 + n,
            "email": f"{first.lower()}.{last.lower()}{n}@example.com",
            "phone": None,
            "note": None,
            "created_at": created,
            "updated_at": created,
            "processed_at": created,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "test": True,
            "currency": "USD",
            "presentment_currency": "USD",
            "financial_status": status,
            "fulfillment_status": None,
            "gateway": None,
            "payment_gateway_names": ["bogus"],
            "total_line_items_price": _price(lines_total),
            "total_line_items_price_set": _money(lines_total),
            "total_discounts": _price(discount),
            "total_discounts_set": _money(discount),
            "discount_codes": [
                {"code": "WELCOME5", "amount": _price(discount), "type": "fixed_amount"}
            ]
            if discount
            else [],
            "subtotal_price": _price(subtotal),
            "subtotal_price_set": _money(subtotal),
            "total_tax": _price(tax),
            "total_tax_set": _money(tax),
            "total_shipping_price_set": _money(shipping),
            "total_price": _price(total),
            "total_price_set": _money(total),
            "current_total_price": _price(total),
            "current_total_price_set": _money(total),
            "line_items": items,
            "shipping_lines": [
                {
                    "id": order_id * 10 + 9,
                    "title": "Standard" if shipping else "Free shipping",
                    "code": None,
                    "price": _price(shipping),
                    "price_set": _money(shipping),
                    "discount_allocations": [],
                }
            ],
            "billing_address": None,
            "shipping_address": {
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "company": None,
                "address1": f"{rng.randint(1, 999)} Market St",
                "address2": None,
                "city": "San Francisco",
                "province": "California",
                "province_code": "CA",
                "zip": "94103",
                "country": "United States",
                "country_code": "US",
                "phone": None,
                "latitude": None,
                "longitude": None,
            },
            "transactions": _transactions(status, order_id, total),
        }
        if self.payments == "token":
            declined = kind is Kind.PAYMENT_DECLINED
            payload["payment_details"] = {"payment_token": "tok_declined" if declined else "tok_ok"}
        if kind is Kind.MISSING_FIELDS:
            del payload["id"]
        if kind is Kind.UNUSABLE:
            for victim in rng.choice(UNUSABLE):
                payload[victim] = None
        return payload

    def _status(self, rng: random.Random, kind: Kind) -> str:
        if self.payments == "token":
            return "authorized"
        if kind is Kind.PAYMENT_DECLINED:
            return "voided"
        draw = rng.random()
        for status, share in GOOD_STATUSES:
            if draw < share:
                return status
            draw -= share
        return GOOD_STATUSES[-1][0]

    def _line(self, line_id: int, p: Product, quantity: int) -> dict[str, Any]:
        return {
            "id": line_id,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
            "variant_id": p.variant_id,
            "product_id": p.product_id,
            "sku": p.sku,
            "title": p.title,
            "variant_title": None,
            "vendor": None,
            "quantity": quantity,
            "current_quantity": quantity,
            "fulfillable_quantity": quantity,
            "fulfillment_status": None,
            "requires_shipping": True,
            "taxable": True,
            "gift_card": False,
            "price": _price(p.price_cents),
            "price_set": _money(p.price_cents),
            "total_discount": "0.00",
            "total_discount_set": _money(0),
            "discount_allocations": [],
            "properties": [],
            "tax_lines": [],
        }


UNUSABLE = (
    ("currency",),
    ("total_price", "total_price_set"),
    ("line_items",),
    ("shipping_address",),
)
"""What an unusable order lacks (Shopify sends null): each one named by its execution."""


def _custom_line(line_id: int) -> dict[str, Any]:
    """A custom item: no SKU, no variant, no product (Shopify sends nulls)."""
    return {
        "id": line_id,
        "variant_id": None,
        "product_id": None,
        "sku": None,
        "title": "Gift wrapping",
        "quantity": 1,
        "price": "2.50",
        "price_set": _money(250),
        "requires_shipping": False,
        "taxable": True,
        "gift_card": False,
    }


def _cents(price: str) -> int:
    units, _, cents = price.partition(".")
    return int(units) * 100 + int(cents or 0)


def _money(cents: int) -> dict[str, Any]:
    amount = {"amount": _price(cents), "currency_code": "USD"}
    return {"shop_money": amount, "presentment_money": dict(amount)}


def _transactions(status: str, order_id: int, total: int) -> list[dict[str, Any]]:
    """The order's payment as Shopify records it: an authorization, a sale, or none yet."""
    kind = {"authorized": "authorization", "paid": "sale"}.get(status)
    if kind is None:
        return []
    return [
        {
            "id": order_id * 10 + 8,
            "order_id": order_id,
            "kind": kind,
            "status": "success",
            "gateway": "bogus",
            "amount": _price(total),
            "currency": "USD",
            "parent_id": None,
            "test": True,
        }
    ]
