"""The OrderFulfillment workflow's own steps (``local:`` Tasks), pure functions of their input.

The runner calls them in its process and may call them again on a replay, so they read
nothing but their argument.
"""

from __future__ import annotations

from typing import Any


class OrderInvalid(Exception):
    """The order cannot be fulfilled as it stands; the workflow rejects it."""

    error = "Order.Invalid"


def validate(order: dict[str, Any]) -> dict[str, Any]:
    """Check what later steps rely on, naming every problem at once."""
    problems: list[str] = []
    lines = order.get("lines") or []
    if not lines:
        problems.append("the order has no lines")
    for n, line in enumerate(lines, start=1):
        if not line.get("sku"):
            problems.append(f"line {n} has no SKU")
        if not isinstance(line.get("quantity"), int) or line["quantity"] <= 0:
            problems.append(f"line {n} quantity must be a positive whole number")
    if not isinstance(order.get("total_cents"), int) or order["total_cents"] < 0:
        problems.append("total_cents must be a non-negative whole number")
    currency = order.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        problems.append(f"currency {currency!r} is not an ISO 4217 code")
    if not order.get("payment_token"):
        problems.append("no payment token")
    if problems:
        raise OrderInvalid("; ".join(problems))
    return {"valid": True}


HANDLERS = {"local:order.validate": validate}
