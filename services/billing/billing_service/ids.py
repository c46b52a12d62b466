"""How billing names what it makes: request ids, idempotency keys, invoice numbers.

A request id says which operation of which order it is, so the provider's answer finds
its way back; the idempotency key is shared by every attempt of one operation.
"""

from __future__ import annotations

from billing_service.model import CAPTURE, REFUND


def request_id(kind: str, order_id: str, attempt: int) -> str:
    return f"{kind}:{order_id}:{attempt}"


def parse_request_id(text: str) -> tuple[str, str] | None:
    """``(kind, order_id)`` of a request id made by ``request_id``, else None."""
    kind, _, rest = text.partition(":")
    order_id, _, attempt = rest.rpartition(":")
    if kind not in (CAPTURE, REFUND) or not order_id or not attempt.isdigit():
        return None
    return kind, order_id


def idempotency_key(kind: str, order_id: str, generation: int) -> str:
    """``capture:<order>`` at first; a capture retried after a decline adds its generation."""
    return f"{kind}:{order_id}" + (f":{generation}" if generation else "")


def invoice_id(order_id: str) -> str:
    return f"INV-{order_id}"
