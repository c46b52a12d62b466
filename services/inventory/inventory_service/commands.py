"""A task's JSON input read into a command, or ``BadRequest`` naming the field at fault."""

from __future__ import annotations

import json
from typing import Any

from inventory_service.model import (
    ApplyLevels,
    ApplyProducts,
    Cancel,
    Command,
    Commit,
    Level,
    Line,
    Product,
    Release,
    Reserve,
    Restock,
    RestockedLine,
)

BAD_REQUEST = "Inventory.BadRequest"
ACTIONS = ("reserve", "release", "commit", "cancel", "restock", "apply_levels", "apply_products")


class BadRequest(ValueError):
    """The input cannot become a command; ``field`` is a path like ``lines[2].quantity``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


RESOLVE = "resolve"
"""Find SKUs for storefront lines sent without one (read only: see ``catalog``)."""


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The ``lines`` of a resolve request, as the order's document has them."""
    try:
        body = json.loads(text)
    except ValueError as e:
        raise BadRequest("input", f"not JSON: {e}") from e
    if not isinstance(body, dict):
        raise BadRequest("input", "must be a JSON object")
    return _objects(_list(body, "lines"), "lines")


def parse(action: str, text: str) -> Command:
    """The command an action's input asks for."""
    if action not in ACTIONS:
        raise BadRequest("action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    try:
        body = json.loads(text)
    except ValueError as e:
        raise BadRequest("input", f"not JSON: {e}") from e
    if not isinstance(body, dict):
        raise BadRequest("input", "must be a JSON object")
    match action:
        case "reserve":
            lines = _list(body, "lines")
            if not lines:
                raise BadRequest("lines", "must not be empty")
            return Reserve(
                _text(body, "order_id"),
                tuple(
                    Line(
                        _text(x, "sku", f"lines[{n}]"),
                        _count(x, "quantity", f"lines[{n}]", positive=True),
                        _count(x, "price_cents", f"lines[{n}]", required=False),
                    )
                    for n, x in enumerate(_objects(lines, "lines"))
                ),
            )
        case "release":
            return Release(_text(body, "order_id"))
        case "commit":
            return Commit(_text(body, "order_id"))
        case "cancel":
            return Cancel(_text(body, "order_id"))
        case "restock":
            return Restock(
                _text(body, "order_id"),
                _id(body, "refund_id"),
                tuple(
                    RestockedLine(
                        _text(x, "sku", f"lines[{n}]"),
                        _count(x, "quantity", f"lines[{n}]", positive=True),
                    )
                    for n, x in enumerate(_objects(_list(body, "lines"), "lines"))
                ),
                _flag(body, "returned"),
            )
        case "apply_levels":
            levels = _objects(_list(body, "levels"), "levels")
            _unique(levels, "levels")
            return ApplyLevels(
                tuple(
                    Level(_text(x, "sku", f"levels[{n}]"), _count(x, "on_hand", f"levels[{n}]"))
                    for n, x in enumerate(levels)
                )
            )
    products = _objects(_list(body, "products"), "products")
    _unique(products, "products")
    return ApplyProducts(
        tuple(
            Product(
                _text(x, "sku", f"products[{n}]"),
                _text(x, "title", f"products[{n}]"),
                _count(x, "price_cents", f"products[{n}]"),
            )
            for n, x in enumerate(products)
        )
    )


def _where(at: str, name: str) -> str:
    return f"{at}.{name}" if at else name


def _text(body: dict[str, Any], name: str, at: str = "") -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(_where(at, name), "must be a non-empty string")
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadRequest(name, "must be true or false")
    return value


def _id(body: dict[str, Any], name: str) -> str:
    """A storefront id: a non-empty string or a positive whole number, kept as text."""
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    return _text(body, name)


def _count(
    body: dict[str, Any], name: str, at: str, *, positive: bool = False, required: bool = True
) -> int:
    value = body.get(name)
    if value is None and not required:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < (1 if positive else 0):
        kind = "a positive" if positive else "a non-negative"
        raise BadRequest(_where(at, name), f"must be {kind} whole number")
    return value


def _list(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if not isinstance(value, list):
        raise BadRequest(name, "must be a list")
    return value


def _objects(items: list[Any], name: str) -> list[dict[str, Any]]:
    for n, x in enumerate(items):
        if not isinstance(x, dict):
            raise BadRequest(f"{name}[{n}]", "must be an object")
    return items


def _unique(items: list[dict[str, Any]], name: str) -> None:
    seen: set[object] = set()
    for n, x in enumerate(items):
        if x.get("sku") in seen:
            raise BadRequest(f"{name}[{n}].sku", f"{x.get('sku')!r} appears twice")
        seen.add(x.get("sku"))
