"""A task's JSON input read into a capture or refund, or ``BadRequest`` naming the field."""

from __future__ import annotations

import json
from typing import Any

from billing_service.model import Capture, Refund, Waiter

BAD_REQUEST = "Billing.BadRequest"
ACTIONS = ("capture", "refund")
DEFAULT_DEADLINE_MS = 300_000


class BadRequest(ValueError):
    """The input cannot become a command; ``field`` says which part of it is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def parse(
    action: str, text: str, waiter: Waiter, now_ms: int, timeout_at_ms: int | None
) -> Capture | Refund:
    """The command an action's input asks for; its deadline is the task's, if it has one."""
    if action not in ACTIONS:
        raise BadRequest("action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    try:
        body = json.loads(text)
    except ValueError as e:
        raise BadRequest("input", f"not JSON: {e}") from e
    if not isinstance(body, dict):
        raise BadRequest("input", "must be a JSON object")
    order_id, amount, currency = _text(body, "order_id"), _amount(body), _currency(body)
    deadline = timeout_at_ms if timeout_at_ms is not None else now_ms + DEFAULT_DEADLINE_MS
    if action == "capture":
        token = _text(body, "payment_token")
        return Capture(order_id, amount, currency, token, waiter, now_ms, deadline)
    return Refund(order_id, amount, currency, waiter, now_ms, deadline)


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
