"""A webhook's checks before its payload model, in order, cheapest first; pure.

The shop (401: a shop not configured has no secret to authenticate it with), its
signature (401), the topic (400), X-Shopify-Triggered-At (400), the body as JSON (400),
the values the system cannot hold (422, naming the fields), a usable id (400), the topic
against the signed body (400). The first check that fails is the answer; each failure
carries the reason it is counted under.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from order_service import headers as checks
from order_service.signature import verify
from order_service.storable import unstorable


@dataclass(frozen=True)
class Refusal:
    """A 4xx answer, and the reason it is counted under."""

    reason: str
    status: int
    title: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Screened:
    """A delivery that passed: its shop domain and topic, and the parsed body."""

    domain: str
    topic: str
    document: Any


def screen(
    headers: Mapping[str, str],
    body: bytes,
    *,
    shops: Mapping[str, bytes],
    topics: Collection[str],
    now: datetime,
    window: timedelta,
) -> Refusal | Screened:
    """``headers`` with lower-case names (as HTTP frameworks give them)."""
    domain = headers.get("x-shopify-shop-domain") or ""
    secret = checks.secret_for(shops, domain)
    if secret is None:
        detail = f"{domain[:255]!r} is not a shop this intake takes webhooks from"
        return Refusal("unknown_shop", 401, "Unknown shop", detail)
    if not verify(secret, body, headers.get("x-shopify-hmac-sha256")):
        detail = "X-Shopify-Hmac-Sha256 does not match"
        return Refusal("unauthenticated", 401, "Bad signature", detail)
    topic = headers.get("x-shopify-topic", "")
    if topic not in topics:
        detail = f"{topic[:255]!r}: this route takes {', '.join(topics)}"
        return Refusal("unknown_topic", 400, "Unknown topic", detail)
    stale = checks.staleness(headers.get("x-shopify-triggered-at"), now, window)
    if stale:
        return Refusal("stale", 400, "Stale delivery", stale)
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as e:
        return Refusal("unparseable", 400, "Unparseable webhook body", f"not JSON: {e}")
    cannot_hold = unstorable(document, texts=_may_escape(body))
    if cannot_hold:
        errors = [{"field": u.field, "message": u.message} for u in cannot_hold]
        return Refusal("unstorable", 422, "Invalid webhook payload", summary(errors), errors)
    no_id = checks.unusable_id(topic, document)
    if no_id:
        return Refusal("unparseable", 400, "Unparseable webhook body", no_id)
    mismatch = checks.topic_mismatch(topic, document)
    if mismatch:
        return Refusal("topic_mismatch", 400, "Topic does not match the body", mismatch)
    return Screened(domain.strip().lower(), topic, document)


def _may_escape(body: bytes) -> bool:
    """Whether the body's strings may hold escapes (``\\u``), or its encoding is not
    UTF-8 (UTF-16 and UTF-32 put NUL bytes between ASCII characters; UTF-8 JSON has none)."""
    return b"\\u" in body or b"\x00" in body


def summary(errors: list[dict[str, str]]) -> str:
    """The first field's problem, and how many more there are."""
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['message']}{more}"
