"""The order workflows' own steps (``local:`` Tasks), pure functions of their input.

The runner calls them in its process and may call them again on a replay, so they read
nothing but their argument. A step that finds the input unusable fails with the field
named; the definitions leave those failures uncaught, so the execution fails at that step
and an operator can edit its input and redrive it from there.
"""

from __future__ import annotations

from typing import Any

PAID = frozenset({"paid", "partially_refunded"})
"""Money already with the storefront: recorded, nothing captured."""
CAPTURABLE = frozenset({"authorized"})
"""Authorized at the storefront: captured through its API."""
AWAITED = frozenset({"pending", "partially_paid"})
"""Not paid yet: the fulfilment waits for ``orders/paid``."""
NOT_PAYABLE = {
    "voided": "Order.Voided",
    "refunded": "Order.Refunded",
    "expired": "Order.PaymentExpired",
}
"""Financial statuses an order is not fulfilled with, and the error it is rejected with."""


class OrderInvalid(Exception):
    """Something the order needs is missing or unusable; the cause names each field."""

    error = "Order.Invalid"


class MissingSku(OrderInvalid):
    """A line has no SKU: the goods cannot be reserved, shipped or invoiced."""

    error = "Order.MissingSku"


class NotPayable(Exception):
    """The storefront says the order's money is gone (voided, refunded, expired)."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(cause)
        self.error = error


def _whole(value: object, at_least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= at_least


def _line_problems(n: int, line: Any) -> tuple[list[str], list[str]]:
    """``(missing SKUs, other problems)`` of line ``n``."""
    if not isinstance(line, dict):
        return [], [f"lines[{n}]: not an object"]
    missing, problems = [], []
    if not line.get("sku"):
        ids = [
            f"{k.removesuffix('_id')} {line[k]}"
            for k in ("variant_id", "product_id")
            if line.get(k)
        ]
        by = f" and {', '.join(ids)} not in the catalogue" if ids else ""
        missing.append(f"lines[{n}].sku: no SKU{by}")
    if not _whole(line.get("quantity"), 1):
        problems.append(f"lines[{n}].quantity: {line.get('quantity')!r} is not a whole number > 0")
    if not _whole(line.get("price_cents"), 0):
        price = line.get("price_cents")
        problems.append(f"lines[{n}].price_cents: {price!r} is not an amount in minor units")
    return missing, problems


def _payment_problems(order: dict[str, Any]) -> list[str]:
    payment = order.get("payment")
    if not isinstance(payment, dict):
        return ["payment: missing"]
    if payment.get("payment_token"):
        return []
    status = payment.get("financial_status")
    if status in PAID | CAPTURABLE | AWAITED | NOT_PAYABLE.keys():
        return []
    return [f"payment.financial_status: {status!r} is not a status Orderloom can follow"]


def validate(order: dict[str, Any]) -> dict[str, Any]:
    """Check what later steps rely on, naming every problem at once; reject an order whose
    money the storefront has voided or refunded."""
    missing: list[str] = []
    problems = [f"payload: {p}" for p in order.get("payload_problems") or []]
    lines = order.get("lines") or []
    if not isinstance(lines, list) or not lines:
        problems.append("lines: the order has no line items")
        lines = []
    for n, line in enumerate(lines):
        no_sku, others = _line_problems(n, line)
        missing += no_sku
        problems += others
    currency = order.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        problems.append(f"currency: {currency!r} is not an ISO 4217 code")
    if not _whole(order.get("total_cents"), 0):
        total = order.get("total_cents")
        problems.append(f"total_cents: {total!r} is not an amount in minor units")
    shipping = order.get("shipping_address")
    if not isinstance(shipping, dict) or not shipping.get("country_code"):
        problems.append("shipping_address: missing, or without its country_code")
    problems += _payment_problems(order)
    if problems or missing:
        cause = "; ".join(missing + problems)
        raise OrderInvalid(cause) if problems else MissingSku(cause)
    payment = order["payment"]
    status = payment.get("financial_status")
    if not payment.get("payment_token") and status in NOT_PAYABLE:
        raise NotPayable(NOT_PAYABLE[status], f"the storefront says the payment is {status}")
    return {"valid": True}


class RefundInvalid(Exception):
    error = "Refund.Invalid"


def check_refund(refund: dict[str, Any]) -> dict[str, Any]:
    """A refund whose amount could not be read fails here, naming the field."""
    problem = refund.get("problem")
    if problem:
        raise RefundInvalid(str(problem))
    if not _whole(refund.get("amount_cents"), 0):
        raise RefundInvalid(f"amount_cents: {refund.get('amount_cents')!r} is not minor units")
    return {"valid": True}


HANDLERS = {"local:order.validate": validate, "local:order.check_refund": check_refund}
