"""The webhook headers an attacker can change without breaking the signature, checked.

Shopify's HMAC covers the body only: ``X-Shopify-Shop-Domain``, ``X-Shopify-Topic`` and
``X-Shopify-Triggered-At`` are free to rewrite. So the shop picks the secret the body must
be signed with (a shop not configured has none: the delivery cannot be authenticated), the
topic must say what the signed body is, and a delivery triggered longer ago than the window
(Shopify retries a failed one with its original headers) is refused. A missing
``X-Shopify-Triggered-At`` is accepted: older senders and our simulator do not send it, and
the order-id and webhook-id duplicate checks hold either way. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

REFUND_FIELDS = ("refund_line_items", "transactions")


def secret_for(shops: Mapping[str, bytes], domain: str | None) -> bytes | None:
    """The secret of the configured shop ``domain`` names (case and spaces ignored)."""
    return shops.get((domain or "").strip().lower())


def unusable_id(topic: str, document: Any) -> str | None:
    """Why the body names no order (or, for a refund, no refund and order) to keep the
    delivery under; None when it does. Other topics need only a JSON object."""
    if not isinstance(document, dict):
        return "the body is not a JSON object"
    fields = ("id", "order_id") if topic == "refunds/create" else ("id",)
    for field in fields if topic.startswith(("orders/", "refunds/")) else ():
        value = document.get(field)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return f"{field}: a positive integer id is required"
    return None


def topic_mismatch(topic: str, document: Any) -> str | None:
    """Why the signed ``document`` is not a ``topic`` delivery; None when it may be.
    Topics not named here are checked only as ``orders/*`` (never a refund)."""
    if not isinstance(document, dict):
        return None
    is_refund = document.get("order_id") is not None and any(
        field in document for field in REFUND_FIELDS
    )
    if topic == "refunds/create" and not is_refund:
        return "a refunds/create body is a refund: order_id with refund_line_items or transactions"
    if topic.startswith("orders/") and is_refund:
        return f"an {topic} body is an order, and this one is a refund"
    if topic == "orders/cancelled" and document.get("cancelled_at") is None:
        return "an orders/cancelled body has a cancelled_at"
    if topic == "orders/create" and document.get("cancelled_at") is not None:
        return "an orders/create body is not cancelled, and this one has a cancelled_at"
    return None


def staleness(triggered_at: str | None, now: datetime, window: timedelta) -> str | None:
    """Why a delivery triggered at ``triggered_at`` (ISO 8601, as Shopify sends it) is refused
    ``now``; None when it is within ``window`` or the header is absent."""
    if triggered_at is None:
        return None
    moment = parse_instant(triggered_at)
    if moment is None:
        return f"X-Shopify-Triggered-At {triggered_at[:64]!r} is not an ISO 8601 instant"
    if now - moment > window:
        return f"triggered at {moment.isoformat()}, longer ago than {window} (a stale delivery)"
    return None


def parse_instant(text: str) -> datetime | None:
    """``2024-10-01T12:00:00.123456789Z`` and the like; None unless it carries a zone.
    Fractions beyond microseconds are cut (Shopify sends nanoseconds)."""
    text = text.strip()
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
