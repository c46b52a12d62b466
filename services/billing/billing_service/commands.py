"""A task's JSON input read into a capture, refund or cancel, or ``BadRequest`` naming the field."""

from __future__ import annotations

import json
from typing import Any

from billing_service.model import Cancel, Capture, Refund, Waiter

BAD_REQUEST = "Billing.BadRequest"
ACTIONS = ("capture", "refund", "cancel")
DEFAULT_DEADLINE_MS = 300_000


class BadRequest(ValueError):
    """The input cannot become a command; ``field`` says which part of it is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def parse(
    action: str, text: str, waiter: Waiter, now_ms: int, timeout_at_ms: int | None
) -> Capture | Refund | Cancel:
    """The command an action's input asks for; its deadline is the task's, if it has one."""
    if action not in ACTIONS:
        raise BadRequest("action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    try:
        body = json.loads(text)
    except ValueError as e:
        raise BadRequest("input", f"not JSON: {e}") from e
    if not isinstance(body, dict):
        raise BadRequest("input", "must be a JSON object")
    deadline = timeout_at_ms if timeout_at_ms is not None else now_ms + DEFAULT_DEADLINE_MS
    if action == "cancel":
        return Cancel(_text(body, "order_id"), waiter, now_ms, deadline)
    order_id, amount, currency = _text(body, "order_id"), _amount(body), _currency(body)
    if action == "capture":
        return _capture(body, order_id, amount, currency, waiter, now_ms, deadline)
    refund_id = _refund_id(body)
    return Refund(order_id, amount, currency, waiter, now_ms, deadline, refund_id)


def _capture(
    body: dict[str, Any],
    order_id: str,
    amount: int,
    currency: str,
    waiter: Waiter,
    now_ms: int,
    deadline: int,
) -> Capture:
    """With a payment token (``payment.payment_token``, or ``payment_token`` as before) the
    provider captures; without one, the storefront's ``payment.financial_status`` decides."""
    payment = body.get("payment")
    if payment is None and "payment_token" in body:
        return Capture(
            order_id, amount, currency, _text(body, "payment_token"), waiter, now_ms, deadline
        )
    if not isinstance(payment, dict):
        raise BadRequest("payment", "must be an object with a payment_token or financial_status")
    token = payment.get("payment_token")
    if token is not None:
        return Capture(
            order_id, amount, currency, _text(payment, "payment_token"), waiter, now_ms, deadline
        )
    status = payment.get("financial_status")
    if not isinstance(status, str) or not status:
        raise BadRequest("payment.financial_status", "must name the storefront's status")
    return Capture(
        order_id,
        amount,
        currency,
        None,
        waiter,
        now_ms,
        deadline,
        status,
        _optional_id(payment, "storefront_order_id"),
        _optional_id(payment, "authorization_id"),
    )


def _optional_id(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise BadRequest(f"payment.{name}", "must be a positive whole number")


def _refund_id(body: dict[str, Any]) -> str:
    """Which refund of the order (the storefront's id); absent for the whole-order refund."""
    value = body.get("refund_id")
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value and not set(value) & set(":/"):
        return value
    raise BadRequest("refund_id", "must be a positive whole number or a name without : or /")


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(name, "must be a non-empty string")
    return value


def _amount(body: dict[str, Any]) -> int:
    value = body.get("amount_cents")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise BadRequest("amount_cents", "must be a positive whole number of cents")
    return value


def _currency(body: dict[str, Any]) -> str:
    value = body.get("currency")
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise BadRequest("currency", f"{value!r} is not an ISO 4217 code")
    return value
