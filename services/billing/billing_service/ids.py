"""How billing names what it makes: request ids, idempotency keys, invoice numbers.

A request id says which operation of which order it is, so the provider's answer finds
its way back; the idempotency key is shared by every attempt of one operation. A named
refund's operation is ``refund/<refund id>``.
"""

from __future__ import annotations

from billing_service.model import CAPTURE, REFUND


def _operation(kind: str, refund_id: str) -> str:
    return f"{kind}/{refund_id}" if refund_id else kind


def request_id(kind: str, order_id: str, attempt: int, refund_id: str = "") -> str:
    return f"{_operation(kind, refund_id)}:{order_id}:{attempt}"


def parse_request_id(text: str) -> tuple[str, str, str] | None:
    """``(kind, refund_id, order_id)`` of a request id made by ``request_id``, else None."""
    operation, _, rest = text.partition(":")
    kind, _, refund_id = operation.partition("/")
    order_id, _, attempt = rest.rpartition(":")
    if kind not in (CAPTURE, REFUND) or not order_id or not attempt.isdigit():
        return None
    if kind == CAPTURE and refund_id:
        return None
    return kind, refund_id, order_id


def idempotency_key(kind: str, order_id: str, generation: int, refund_id: str = "") -> str:
    """``capture:<order>`` at first; a capture retried after a decline adds its generation."""
    return f"{_operation(kind, refund_id)}:{order_id}" + (f":{generation}" if generation else "")


def invoice_id(order_id: str) -> str:
    return f"INV-{order_id}"
