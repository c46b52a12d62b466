"""The storefront's webhook payloads, as Shopify sends them, as much as Orderloom reads.

Shaped after Shopify's documented ``orders/create``, ``orders/paid``, ``orders/updated``,
``orders/cancelled`` and ``refunds/create`` bodies (the REST Admin API ``Order``, ``Refund``
and ``Transaction`` resources, shopify.dev/docs/api/admin-rest/latest/resources/order,
.../refund, .../transaction; their sample order id is 820982911946154508, above 2**53):

- ids are 64-bit integers; most fields may be ``null`` (``sku`` is ``null`` or ``""`` on
  custom line items, ``shipping_address`` is ``null`` without shipping, ``variant_id`` and
  ``product_id`` are ``null`` once the product is deleted);
- amounts are decimal strings, both plain (``total_price``) and as money sets
  (``total_price_set.shop_money.amount`` with its ``currency_code``); ``current_*`` are the
  amounts after edits and refunds;
- ``financial_status`` is one of ``pending``, ``authorized``, ``partially_paid``, ``paid``,
  ``partially_refunded``, ``refunded``, ``voided`` (and ``expired``, GraphQL's
  ``OrderDisplayFinancialStatus``); the payment itself is in ``transactions``.

Only what identifies a delivery must parse for it to be accepted (``IDENTITIES``); the
rest is read leniently and checked by ``mapping`` and the workflow, so that a signed
delivery whose content Orderloom cannot use becomes a failed execution naming the field,
not a refusal nobody sees. Unknown fields are ignored (Shopify adds fields between versions).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(max_length=1000)]
Id = Annotated[int, Field(gt=0)]
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$")


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Money(Payload):
    amount: Text | None = None
    currency_code: Text | None = None


class MoneySet(Payload):
    """``*_set``: the amount in the shop's currency and in the customer's."""

    shop_money: Money | None = None
    presentment_money: Money | None = None


class LineItem(Payload):
    id: int | None = None
    variant_id: int | None = None
    product_id: int | None = None
    sku: Text | None = None
    title: Text | None = None
    quantity: int | None = None
    price: Text | None = None
    price_set: MoneySet | None = None


class Address(Payload):
    name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    company: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    province_code: Text | None = None
    zip: Text | None = None
    country_code: Text | None = None
    phone: Text | None = None


class PaymentDetails(Payload):
    """Where a storefront that lets Orderloom capture puts its payment token (not Shopify)."""

    payment_token: Text | None = None


class Transaction(Payload):
    """``kind``: authorization, capture, sale, void or refund; ``status``: success, ..."""

    id: int | None = None
    amount: Text | None = None
    currency: Text | None = None
    kind: Text | None = None
    status: Text | None = None
    gateway: Text | None = None
    parent_id: int | None = None


class ShippingLine(Payload):
    title: Text | None = None
    price: Text | None = None


class Order(Payload):
    """``orders/create``, ``orders/paid``, ``orders/updated``: the whole order."""

    id: Id
    name: Text | None = None
    email: Text | None = None
    currency: Text | None = None
    total_price: Text | None = None
    total_price_set: MoneySet | None = None
    current_total_price: Text | None = None
    subtotal_price: Text | None = None
    subtotal_price_set: MoneySet | None = None
    total_tax: Text | None = None
    total_tax_set: MoneySet | None = None
    total_discounts: Text | None = None
    financial_status: Text | None = None
    created_at: datetime | None = None
    line_items: list[LineItem] = Field(default_factory=list, max_length=1000)
    shipping_address: Address | None = None
    shipping_lines: list[ShippingLine] = Field(default_factory=list, max_length=100)
    transactions: list[Transaction] = Field(default_factory=list, max_length=100)
    payment_gateway_names: list[Text] = Field(default_factory=list, max_length=20)
    payment_details: PaymentDetails | None = None


class PaymentUpdate(Payload):
    """``orders/paid`` and ``orders/updated``: the whole order, of which billing needs its
    financial status and transactions (the rest of it is the ``orders/create`` it had)."""

    id: Id
    financial_status: Text | None = None
    transactions: list[Transaction] = Field(default_factory=list, max_length=100)


class Cancellation(Payload):
    """``orders/cancelled``: the order as it stands after the cancellation."""

    id: Id
    name: Text | None = None
    cancelled_at: datetime | None = None
    cancel_reason: Text | None = None
    financial_status: Text | None = None


class RefundLineItem(Payload):
    sku: Text | None = None
    variant_id: int | None = None


class RefundLine(Payload):
    """``restock_type``: ``return`` or ``cancel`` put the goods back, ``no_restock`` not;
    ``legacy_restock``, or none with the refund's ``restock`` set, as older API versions."""

    quantity: int | None = None
    subtotal: Text | None = None
    subtotal_set: MoneySet | None = None
    line_item: RefundLineItem | None = None
    restock_type: Text | None = None


class Refund(Payload):
    """``refunds/create``: one refund of an order."""

    id: Id
    order_id: Id
    created_at: datetime | None = None
    note: Text | None = None
    restock: bool | None = None
    refund_line_items: list[RefundLine] = Field(default_factory=list, max_length=1000)
    transactions: list[Transaction] = Field(default_factory=list, max_length=100)


class OrderIdentity(Payload):
    """What must parse for an order delivery to be accepted: the order it is about."""

    id: Id


class RefundIdentity(Payload):
    """What must parse for a refund delivery to be accepted: the refund and its order."""

    id: Id
    order_id: Id


def shop_money(plain: str | None, money_set: MoneySet | None) -> tuple[str | None, str | None]:
    """``(amount, currency)``: the money set's shop money where present, else the plain
    field (its currency then the order's)."""
    if money_set is not None and money_set.shop_money is not None:
        money = money_set.shop_money
        if money.amount is not None:
            return money.amount, money.currency_code
    return plain, None


def shop_of(domain: str) -> str:
    """``acme.myshopify.com`` -> ``acme``; other domains are kept whole (lower-cased)."""
    domain = domain.strip().lower()
    if not _SHOP.match(domain):
        raise ValueError(f"{domain!r} is not a shop domain")
    return domain.removesuffix(".myshopify.com")
