"""Webhook payloads to the workflow input and the order events: pure, so tests pin them.

Every id here is derived from the storefront's ids, never drawn at random: the same
webhook always maps to the same execution id and the same event ids, which is what
makes a repeated or retried delivery recognisable downstream.
"""

from __future__ import annotations

from typing import Any

from order_service.money import to_minor_units
from order_service.webhooks import Address, Cancellation, Order, Refund


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


def _optional_cents(amount: str | None, currency: str, field: str) -> int | None:
    return None if amount is None else _cents(amount, currency, field)


def lines(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "sku": item.sku,
            "quantity": item.quantity,
            "price_cents": _cents(item.price, order.currency, f"line_items[{n}].price"),
        }
        for n, item in enumerate(order.line_items)
    ]


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


def workflow_input(shop: str, order: Order) -> dict[str, Any]:
    """The OrderFulfillment input document (see the definition's Comment), JSON-ready."""
    return {
        "order_id": order_id(shop, order.id),
        "order_number": order.name,
        "email": order.email,
        "currency": order.currency,
        "total_cents": _cents(order.total_price, order.currency, "total_price"),
        "lines": lines(order),
        "shipping_address": address(order.shipping_address),
        "payment_token": payment_token(order),
        "shop": shop,
        "storefront_order_id": order.id,
    }


def order_received(shop: str, order: Order, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.OrderReceived`` data."""
    titles = [item.title for item in order.line_items]
    return {
        "order_id": order_id(shop, order.id),
        "shop": shop,
        "storefront_order_id": order.id,
        "order_number": order.name,
        "email": order.email,
        "currency": order.currency,
        "total_cents": _cents(order.total_price, order.currency, "total_price"),
        "subtotal_cents": _optional_cents(order.subtotal_price, order.currency, "subtotal_price"),
        "total_tax_cents": _optional_cents(order.total_tax, order.currency, "total_tax"),
        "financial_status": order.financial_status,
        "lines": [{**line, "title": t} for line, t in zip(lines(order), titles, strict=True)],
        "shipping_address": address(order.shipping_address),
        "payment_token": payment_token(order),
        "created_at": order.created_at,
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
    for line in r.refund_line_items:
        kind = line.restock_type
        back = kind in RESTOCKING or (kind is None and bool(r.restock))
        sku = line.line_item.sku if line.line_item else None
        if back and sku and line.quantity:
            wanted[sku] = wanted.get(sku, 0) + line.quantity
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
    }


def cancellation_input(shop: str, c: Cancellation) -> dict[str, Any]:
    """The OrderCancellation input document, JSON-ready."""
    return {"order_id": order_id(shop, c.id), "order_number": c.name, "reason": c.cancel_reason}


def refund_requested(shop: str, r: Refund, webhook_id: str | None) -> dict[str, Any]:
    """``orderloom.order.RefundRequested`` data: the refund transactions' sum, exactly."""
    refunds = [(n, t) for n, t in enumerate(r.transactions) if t.kind == "refund"]
    currencies = {t.currency for _, t in refunds if t.currency}
    if len(currencies) > 1:
        raise FieldProblem("transactions", f"refund in several currencies: {sorted(currencies)}")
    currency = currencies.pop() if currencies else None
    if refunds and currency is None:
        raise FieldProblem("transactions[].currency", "a refund transaction needs its currency")
    amount = sum(_cents(t.amount, currency or "", f"transactions[{n}].amount") for n, t in refunds)
    refund_lines = [
        {
            "sku": line.line_item.sku if line.line_item else None,
            "quantity": line.quantity,
            "subtotal_cents": None
            if line.subtotal is None or currency is None
            else _cents(line.subtotal, currency, f"refund_line_items[{n}].subtotal"),
            "restock_type": line.restock_type,
        }
        for n, line in enumerate(r.refund_line_items)
    ]
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
