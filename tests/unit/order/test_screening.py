"""The checks before the payload model, in order: the first failing one is the answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from order_service.headers import secret_for
from order_service.screening import Refusal, Screened, screen
from order_service.signature import sign

SHOPS = {"acme.myshopify.com": b"acme-5f0c2e9a71b8", "globex.myshopify.com": b"globex-b7d1e4a09c"}
TOPICS = ("orders/create", "orders/cancelled", "refunds/create")
NOW = datetime(2024, 11, 29, 12, 0, tzinfo=UTC)
ORDER = {"id": 42, "name": "#1042", "line_items": [{"sku": "A", "quantity": 1, "price": "1.00"}]}


def headers(body: bytes, shop: str = "acme.myshopify.com", **extra: str) -> dict[str, str]:
    return {
        "x-shopify-shop-domain": shop,
        "x-shopify-topic": "orders/create",
        "x-shopify-hmac-sha256": sign(secret_for(SHOPS, shop) or b"no-such-shop-secret", body),
        **extra,
    }


def screened(body: bytes, found: dict[str, str]) -> Refusal | Screened:
    return screen(found, body, shops=SHOPS, topics=TOPICS, now=NOW, window=timedelta(hours=48))


def reason(document: Any, **extra: str) -> tuple[str, int] | None:
    body = json.dumps(document).encode()
    verdict = screened(body, headers(body, **extra))
    return (verdict.reason, verdict.status) if isinstance(verdict, Refusal) else None


def test_a_good_delivery_passes_with_its_shop_topic_and_document() -> None:
    body = json.dumps(ORDER).encode()
    assert screened(body, headers(body, shop="Acme.myshopify.com ")) == Screened(
        "acme.myshopify.com", "orders/create", ORDER
    )


def test_a_body_signed_for_one_shop_is_refused_for_another() -> None:
    body = json.dumps(ORDER).encode()
    found = {**headers(body), "x-shopify-shop-domain": "globex.myshopify.com"}
    assert screened(body, found) == Refusal(
        "unauthenticated", 401, "Bad signature", "X-Shopify-Hmac-Sha256 does not match"
    )


def test_an_unknown_shop_is_refused_before_its_signature_is_looked_at() -> None:
    verdict = screened(b"not even json", headers(b"x", shop="evil.myshopify.com"))
    assert isinstance(verdict, Refusal)
    assert (verdict.reason, verdict.status) == ("unknown_shop", 401)
    assert "'evil.myshopify.com' is not a shop" in verdict.detail


@pytest.mark.parametrize(
    ("document", "extra", "expected"),
    [
        (ORDER, {"x-shopify-topic": "products/update"}, ("unknown_topic", 400)),
        (ORDER, {"x-shopify-triggered-at": "2024-11-27T11:00:00Z"}, ("stale", 400)),
        (ORDER, {"x-shopify-triggered-at": "2024-11-27T13:00:00Z"}, None),
        ([ORDER], {}, ("unparseable", 400)),
        ({**ORDER, "id": None}, {}, ("unparseable", 400)),
        ({**ORDER, "id": 2**64}, {}, ("unstorable", 422)),
        ({**ORDER, "name": "\x00"}, {}, ("unstorable", 422)),
        ({**ORDER, "cancelled_at": "2024-11-29T09:00:00Z"}, {}, ("topic_mismatch", 400)),
        (ORDER, {"x-shopify-topic": "orders/cancelled"}, ("topic_mismatch", 400)),
        (ORDER, {"x-shopify-topic": "refunds/create"}, ("unparseable", 400)),
    ],
)
def test_each_check_refuses_with_its_reason(
    document: Any, extra: dict[str, str], expected: tuple[str, int] | None
) -> None:
    assert reason(document, **extra) == expected


def test_a_body_that_is_not_json_is_unparseable() -> None:
    for body in (b"{", b"\xff\xfe\x00", b"[" * 100_000):
        verdict = screened(body, headers(body))
        assert isinstance(verdict, Refusal)
        assert (verdict.reason, verdict.status) == ("unparseable", 400)


def test_values_that_cannot_be_held_are_all_named() -> None:
    body = json.dumps({**ORDER, "id": 2**63, "note": "a\x00"}).encode()
    verdict = screened(body, headers(body))
    assert isinstance(verdict, Refusal)
    assert [e["field"] for e in verdict.errors] == ["id", "note"]
    assert verdict.detail.endswith("(and 1 more)")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32-le"])
def test_escaped_nul_is_found_whatever_the_encoding(encoding: str) -> None:
    body = json.dumps({**ORDER, "name": "\x00"}).encode(encoding)
    verdict = screened(body, headers(body))
    assert isinstance(verdict, Refusal)
    assert (verdict.reason, verdict.errors[0]["field"]) == ("unstorable", "name")
