"""Webhook bodies shaped like Shopify's documented examples (written here, not copied):
64-bit ids, nulls where Shopify sends them, amounts as strings and as ``*_set`` money,
discounts, shipping lines, a custom line without SKU, two lines of one SKU, transactions.

``ORDER_ID`` is the id of Shopify's own sample order (820982911946154508, above 2**53).
"""

from __future__ import annotations

import copy
from typing import Any

ORDER_ID = 820982911946154508
AUTHORIZATION_ID = 389404469
FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)


def money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": currency},
    }


def _line(
    line_id: int, sku: str | None, quantity: int, price: str, variant: int | None
) -> dict[str, Any]:
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "variant_id": variant,
        "product_id": None if variant is None else variant // 10,
        "sku": sku,
        "title": "Tee" if sku else "Gift wrapping",
        "variant_title": None,
        "vendor": None,
        "quantity": quantity,
        "current_quantity": quantity,
        "fulfillable_quantity": quantity,
        "fulfillment_status": None,
        "gift_card": False,
        "requires_shipping": True,
        "taxable": True,
        "price": price,
        "price_set": money(price),
        "total_discount": "0.00",
        "total_discount_set": money("0.00"),
        "discount_allocations": [],
        "tax_lines": [],
        "properties": [],
        "duties": [],
    }


def order(
    financial_status: str = "authorized",
    *,
    order_id: int = ORDER_ID,
    skus: tuple[str | None, ...] = ("TEE-BLA-001", "TEE-BLA-001", "TEE-NAV-003"),
) -> dict[str, Any]:
    """``orders/create``: three lines (the first two of one SKU) at 5.00, 5.00 and 9.00,
    a 1.00 discount, 4.95 shipping, 1.52 tax: 24.47 USD."""
    prices = ("5.00", "5.00", "9.00")
    lines = [
        _line(466157049 + n, sku, 1, prices[n % 3], 39072856 + n * 10) for n, sku in enumerate(skus)
    ]
    body: dict[str, Any] = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": True,
        "cancel_reason": None,
        "cancelled_at": None,
        "cart_token": None,
        "checkout_id": None,
        "closed_at": None,
        "confirmed": True,
        "contact_email": "jon@example.com",
        "created_at": "2024-11-29T10:00:00-05:00",
        "currency": "USD",
        "current_subtotal_price": "18.00",
        "current_total_price": "24.47",
        "current_total_price_set": money("24.47"),
        "current_total_tax": "1.52",
        "customer_locale": "en",
        "discount_codes": [{"code": "TENOFF", "amount": "1.00", "type": "fixed_amount"}],
        "email": "jon@example.com",
        "financial_status": financial_status,
        "fulfillment_status": None,
        "gateway": None,
        "landing_site": None,
        "name": "#9999",
        "note": None,
        "note_attributes": [],
        "number": 234,
        "order_number": 1234,
        "payment_gateway_names": ["bogus"],
        "phone": None,
        "presentment_currency": "USD",
        "processed_at": "2024-11-29T10:00:00-05:00",
        "reference": None,
        "referring_site": None,
        "source_name": "web",
        "subtotal_price": "18.00",
        "subtotal_price_set": money("18.00"),
        "tags": "",
        "test": True,
        "token": "123456abcd",
        "total_discounts": "1.00",
        "total_discounts_set": money("1.00"),
        "total_line_items_price": "19.00",
        "total_price": "24.47",
        "total_price_set": money("24.47"),
        "total_shipping_price_set": money("4.95"),
        "total_tax": "1.52",
        "total_tax_set": money("1.52"),
        "total_weight": 0,
        "updated_at": "2024-11-29T10:00:00-05:00",
        "user_id": None,
        "billing_address": None,
        "customer": {"id": 115310627314723954, "email": "jon@example.com", "phone": None},
        "discount_applications": [
            {
                "type": "discount_code",
                "code": "TENOFF",
                "value": "1.0",
                "value_type": "fixed_amount",
            }
        ],
        "fulfillments": [],
        "line_items": lines,
        "payment_terms": None,
        "refunds": [],
        "shipping_address": {
            "first_name": "Jon",
            "last_name": "Doe",
            "name": "Jon Doe",
            "company": None,
            "address1": "123 Amoebobacterieae St",
            "address2": "",
            "city": "Ottawa",
            "province": "Ontario",
            "province_code": "ON",
            "zip": "K2P0V6",
            "country": "Canada",
            "country_code": "CA",
            "phone": "555-625-1199",
            "latitude": None,
            "longitude": None,
        },
        "shipping_lines": [
            {
                "id": 271878346596884015,
                "title": "Generic Shipping",
                "price": "4.95",
                "price_set": money("4.95"),
                "code": None,
                "source": "shopify",
                "discount_allocations": [],
            }
        ],
    }
    if financial_status in ("authorized", "paid", "partially_paid", "partially_refunded"):
        kind = "authorization" if financial_status == "authorized" else "sale"
        body["transactions"] = [transaction(kind, "24.47", AUTHORIZATION_ID, order_id)]
    return body


def transaction(kind: str, amount: str, transaction_id: int, order_id: int) -> dict[str, Any]:
    return {
        "id": transaction_id,
        "order_id": order_id,
        "kind": kind,
        "gateway": "bogus",
        "status": "success",
        "amount": amount,
        "currency": "USD",
        "authorization": "ch_1AtJu6CktlpEFNAw",
        "parent_id": None,
        "test": True,
        "error_code": None,
        "message": None,
    }


def paid(order_id: int = ORDER_ID, status: str = "paid") -> dict[str, Any]:
    """``orders/paid`` (and ``orders/updated``): the whole order again, now paid."""
    body = order(status, order_id=order_id)
    body["transactions"] = [transaction("sale", "24.47", AUTHORIZATION_ID + 1, order_id)]
    return body


def cancelled(order_id: int = ORDER_ID) -> dict[str, Any]:
    """``orders/cancelled``: the order, cancelled by the customer, its authorization voided."""
    body = copy.deepcopy(order("voided", order_id=order_id))
    body.update(cancel_reason="customer", cancelled_at="2024-11-29T11:00:00-05:00")
    return body


def refund(order_id: int = ORDER_ID, refund_id: int = 509562969) -> dict[str, Any]:
    """``refunds/create``: one unit of the first line back in stock, its 5.00 refunded."""
    return {
        "id": refund_id,
        "order_id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "created_at": "2024-11-30T10:00:00-05:00",
        "note": "it did not fit",
        "processed_at": "2024-11-30T10:00:00-05:00",
        "restock": True,
        "total_duties_set": money("0.00"),
        "user_id": None,
        "order_adjustments": [],
        "duties": [],
        "refund_line_items": [
            {
                "id": 104689539,
                "line_item_id": 466157049,
                "location_id": 40642626,
                "quantity": 1,
                "restock_type": "return",
                "subtotal": "5.00",
                "subtotal_set": money("5.00"),
                "total_tax": "0.00",
                "total_tax_set": money("0.00"),
                "line_item": {"id": 466157049, "sku": "TEE-BLA-001", "variant_id": 39072856},
            }
        ],
        "transactions": [
            {
                **transaction("refund", "5.00", 245135469, order_id),
                "parent_id": AUTHORIZATION_ID,
            },
            {**transaction("refund", "1.00", 245135470, order_id), "status": "failure"},
        ],
    }
