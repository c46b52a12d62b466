"""Webhook payloads to the workflow input and the order events: pure, so tests pin them.

Every id here is derived from the storefront's ids, never drawn at random: the same
webhook always maps to the same execution id and the same event ids, which is what
makes a repeated or retried delivery recognisable downstream.

An order maps whatever its content: a field that cannot be used (an amount finer than
its currency, a line without SKU) keeps what the storefront sent in the workflow input,
and the execution's validation names it (``steps.validate``), so an operator can fix the
input and redrive. A line without SKU but with its variant or product (``resolve_skus``)
is first looked up in the inventory's catalogue. Amounts are the shop's
(``*_set.shop_money``), else the plain fields.
"""

from __future__ import annotations

from typing import Any

from order_service.money import to_minor_units
from order_service.webhooks import (
    Address,
    Cancellation,
    LineItem,
    MoneySet,
    Order,
    PaymentUpdate,
    Refund,
    Transaction,
    shop_money,
)


class FieldProblem(ValueError):
    """A payload that parses but cannot be mapped; ``field`` is the path at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def order_id(shop: str, storefront_order_id: int) -> str:
    """Orderloom's order id, also its OrderFulfillment execution id and its Kafka key."""
    return f"order-{shop}-{storefront_order_id}"


def _cents(amount: str, currency: str, field: str) -> int:
    try:
        return to_minor_units(amount, currency)
    except ValueError as e:
        raise FieldProblem(field, str(e)) from None


def _lenient_cents(
    plain: str | None, money_set: MoneySet | None, currency: str | None
) -> int | str | None:
    """Minor units when the amount is usable, else what the storefront sent (or None)."""
    amount, money_currency = shop_money(plain, money_set)
    if amount is None:
        return None
    if currency is None or (money_currency is not None and money_currency != currency):
        return amount
    try:
        return to_minor_units(amount, currency)
    except ValueError:
        return amount


def _whole(value: int | str | None) -> int | None:
    return value if isinstance(value, int) else None


def line(item: LineItem, currency: str | None) -> dict[str, Any]:
    return {
        "sku": item.sku or None,
        "quantity": item.quantity,
        "price_cents": _lenient_cents(item.price, item.price_set, currency),
        "variant_id": item.variant_id,
        "product_id": item.product_id,
    }


def lines(order: Order) -> list[dict[str, Any]]:
    return [line(item, order.currency) for item in order.line_items]


def address(a: Address | None) -> dict[str, str | None] | None:
    if a is None:
        return None
    name = a.name or " ".join(p for p in (a.first_name, a.last_name) if p) or None
    return {
        "name": name,
        "company": a.company,
        "address1": a.address1,
        "address2": a.address2,
        "city": a.city,
        "province_code": a.province_code,
        "zip": a.zip,
        "country_code": a.country_code,
        "phone": a.phone,
    }


def payment_token(order: Order) -> str | None:
    return order.payment_details.payment_token if order.payment_details else None


def _authorization(transactions: list[Transaction]) -> int | None:
    """The successful authorization a capture is taken from (Shopify: its ``parent_id``)."""
    for t in transactions:
        if t.kind == "authorization" and t.status in (None, "success") and t.id is not None:
            return t.id
    return None


def payment(order: Order) -> dict[str, Any]:
    """How the order is paid: the storefront's ``financial_status`` and authorization,
    or a payment token for a storefront that leaves the capture to a payment provider."""
    return {
        "financial_status": order.financial_status,
        "payment_token": payment_token(order),
        "storefront_order_id": order.id,
        "authorization_id": _authorization(order.transactions),
    }


def workflow_input(shop: str, order: Order) -> dict[str, Any]:
    """The OrderFulfillment input document (see the definition's Comment), JSON-ready."""
    found = lines(order)
    return {
        "order_id": order_id(shop, order.id),
        "order_number": order.name,
        "email": order.email,
        "currency": order.currency,
        "total_cents": _lenient_cents(order.total_price, order.total_price_set, order.currency),
        "lines": found,
        "resolve_skus": any(not x["sku"] and (x["variant_id"] or x["product_id"]) for x in found),
        "shipping_address": address(order.shipping_address),
        "payment": payment(order),
        "shop": shop,
        "storefront_order_id": order.id,
    }


def unreadable_input(shop: str, storefront_order_id: int, problems: list[str]) -> dict[str, Any]:
    """The input of an order whose body did not parse beyond its id: the problems, for the
    validation to name, and the fields an operator fills in before redriving."""
    return {
        "order_id": order_id(shop, storefront_order_id),
        "order_number": None,
        "email": None,
        "currency": None,
        "total_cents": None,
        "lines": [],
        "resolve_skus": False,
        "shipping_address": None,
        "payment": {"financial_status": None, "storefront_order_id": storefront_order_id},
        "shop": shop,
        "storefront_order_id": storefront_order_id,
        "payload_problems": problems,
    }


def order_received(shop: str, order: Order, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.OrderReceived`` data; amounts it cannot use are left out (null)."""
    subtotal = _lenient_cents(order.subtotal_price, order.subtotal_price_set, order.currency)
    tax = _lenient_cents(order.total_tax, order.total_tax_set, order.currency)
    total = _lenient_cents(order.total_price, order.total_price_set, order.currency)
    return {
        "order_id": order_id(shop, order.id),
        "shop": shop,
        "storefront_order_id": order.id,
        "order_number": order.name,
        "email": order.email,
        "currency": order.currency,
        "total_cents": _whole(total),
        "subtotal_cents": _whole(subtotal),
        "total_tax_cents": _whole(tax),
        "financial_status": order.financial_status,
        "lines": [
            {**x, "price_cents": _whole(x["price_cents"]), "title": item.title}
            for x, item in zip(lines(order), order.line_items, strict=True)
        ],
        "shipping_address": address(order.shipping_address),
        "payment_token": payment_token(order),
        "created_at": order.created_at,
        "webhook_id": webhook_id,
    }


def unreadable_received(
    shop: str, storefront_order_id: int, webhook_id: str | None
) -> dict[str, Any]:
    """``OrderReceived`` of an order whose body did not parse beyond its id."""
    return {
        "order_id": order_id(shop, storefront_order_id),
        "shop": shop,
        "storefront_order_id": storefront_order_id,
        "order_number": None,
        "currency": None,
        "total_cents": None,
        "lines": [],
        "shipping_address": None,
        "webhook_id": webhook_id,
    }


def payment_reported(shop: str, order: PaymentUpdate, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.PaymentStatusReported`` data: the storefront's word on the payment."""
    return {
        "order_id": order_id(shop, order.id),
        "shop": shop,
        "storefront_order_id": order.id,
        "financial_status": order.financial_status,
        "authorization_id": _authorization(order.transactions),
        "webhook_id": webhook_id,
    }


def order_cancelled(shop: str, c: Cancellation, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.OrderCancelled`` data."""
    return {
        "order_id": order_id(shop, c.id),
        "shop": shop,
        "storefront_order_id": c.id,
        "order_number": c.name,
        "cancel_reason": c.cancel_reason,
        "cancelled_at": c.cancelled_at,
        "financial_status": c.financial_status,
        "webhook_id": webhook_id,
    }


RESTOCKING = frozenset({"return", "cancel", "legacy_restock"})


def restock_lines(r: Refund) -> list[dict[str, Any]]:
    """The goods the refund puts back in stock, by SKU (lines without one cannot be)."""
    wanted: dict[str, int] = {}
    for refunded in r.refund_line_items:
        kind = refunded.restock_type
        back = kind in RESTOCKING or (kind is None and bool(r.restock))
        sku = refunded.line_item.sku if refunded.line_item else None
        if back and sku and refunded.quantity:
            wanted[sku] = wanted.get(sku, 0) + refunded.quantity
    return [{"sku": sku, "quantity": n} for sku, n in wanted.items()]


def refund_input(shop: str, r: Refund) -> dict[str, Any]:
    """The OrderRefund input document (see the definition's Comment), JSON-ready."""
    data = refund_requested(shop, r, None)
    return {
        "order_id": data["order_id"],
        "refund_id": r.id,
        "amount_cents": data["amount_cents"],
        "currency": data["currency"],
        "restock_lines": restock_lines(r),
        "returned": any(x.restock_type == "return" for x in r.refund_line_items),
    }


def cancellation_input(shop: str, c: Cancellation) -> dict[str, Any]:
    """The OrderCancellation input document, JSON-ready."""
    return {"order_id": order_id(shop, c.id), "order_number": c.name, "reason": c.cancel_reason}


def refund_requested(shop: str, r: Refund, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.RefundRequested`` data: the successful refund transactions' sum,
    exactly; ``FieldProblem`` when it cannot be known."""
    refunds = [
        (n, t)
        for n, t in enumerate(r.transactions)
        if t.kind == "refund" and t.status in (None, "success")
    ]
    currencies = {t.currency for _, t in refunds if t.currency}
    if len(currencies) > 1:
        raise FieldProblem("transactions", f"refund in several currencies: {sorted(currencies)}")
    currency = currencies.pop() if currencies else None
    if refunds and currency is None:
        raise FieldProblem("transactions[].currency", "a refund transaction needs its currency")
    amount = 0
    for n, t in refunds:
        if t.amount is None:
            raise FieldProblem(f"transactions[{n}].amount", "a refund transaction needs one")
        amount += _cents(t.amount, currency or "", f"transactions[{n}].amount")
    refund_lines = []
    for n, refunded in enumerate(r.refund_line_items):
        subtotal, _ = shop_money(refunded.subtotal, refunded.subtotal_set)
        refund_lines.append(
            {
                "sku": refunded.line_item.sku if refunded.line_item else None,
                "quantity": refunded.quantity or 0,
                "subtotal_cents": None
                if subtotal is None or currency is None
                else _cents(subtotal, currency, f"refund_line_items[{n}].subtotal"),
                "restock_type": refunded.restock_type,
            }
        )
    return {
        "order_id": order_id(shop, r.order_id),
        "shop": shop,
        "storefront_order_id": r.order_id,
        "refund_id": r.id,
        "amount_cents": amount,
        "currency": currency,
        "note": r.note,
        "restock": r.restock,
        "lines": refund_lines,
        "created_at": r.created_at,
        "webhook_id": webhook_id,
    }
