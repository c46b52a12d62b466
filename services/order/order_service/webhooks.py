"""The storefront's webhook payloads, as much of them as Orderloom reads.

Shaped after Shopify's ``orders/create``, ``orders/cancelled`` and ``refunds/create``
bodies; unknown fields are ignored (Shopify adds fields between API versions), the
fields we rely on are checked, and amounts stay decimal strings until ``mapping``
turns them into minor units with the order's currency.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Amount = Annotated[str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$", max_length=32)]
"""A decimal string such as ``"19.99"``: never a float."""
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(max_length=1000)]
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$")


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LineItem(Payload):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    quantity: int = Field(ge=1, le=1_000_000)
    price: Amount
    title: Text | None = None

    @field_validator("price")
    @classmethod
    def _not_negative(cls, value: str) -> str:
        if Decimal(value) < 0:
            raise ValueError("a unit price cannot be negative")
        return value


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
    """Where the storefront puts the token of the payment to capture."""

    payment_token: Text | None = None


class Order(Payload):
    """``orders/create`` (and the order that ``orders/cancelled`` carries)."""

    id: int = Field(gt=0)
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    email: Text | None = None
    currency: Currency
    total_price: Amount
    subtotal_price: Amount | None = None
    total_tax: Amount | None = None
    financial_status: Text | None = None
    created_at: datetime | None = None
    line_items: list[LineItem] = Field(min_length=1, max_length=1000)
    shipping_address: Address | None = None
    payment_details: PaymentDetails | None = None


class Cancellation(Payload):
    """``orders/cancelled``: the order as it stands after the cancellation."""

    id: int = Field(gt=0)
    name: Text | None = None
    cancelled_at: datetime | None = None
    cancel_reason: Text | None = None
    financial_status: Text | None = None


class RefundLineItem(Payload):
    sku: Text | None = None


class RefundLine(Payload):
    """``restock_type``: ``return`` or ``cancel`` put the goods back, ``no_restock`` not;
    ``legacy_restock``, or none with the refund's ``restock`` set, as older API versions."""

    quantity: int = Field(ge=0)
    subtotal: Amount | None = None
    line_item: RefundLineItem | None = None
    restock_type: Literal["no_restock", "cancel", "return", "legacy_restock"] | None = None


class Transaction(Payload):
    amount: Amount
    currency: Currency | None = None
    kind: Text
    status: Text | None = None


class Refund(Payload):
    """``refunds/create``: one refund of an order."""

    id: int = Field(gt=0)
    order_id: int = Field(gt=0)
    created_at: datetime | None = None
    note: Text | None = None
    restock: bool | None = None
    refund_line_items: list[RefundLine] = Field(default_factory=list, max_length=1000)
    transactions: list[Transaction] = Field(default_factory=list, max_length=100)


def shop_of(domain: str) -> str:
    """``acme.myshopify.com`` -> ``acme``; other domains are kept whole (lower-cased)."""
    domain = domain.strip().lower()
    if not _SHOP.match(domain):
        raise ValueError(f"{domain!r} is not a shop domain")
    return domain.removesuffix(".myshopify.com")
