"""The unsigned headers checked: the shop against the allow-list, the topic against the signed
body, X-Shopify-Triggered-At against the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from order_service.headers import (
    parse_instant,
    secret_for,
    staleness,
    topic_mismatch,
    unusable_id,
)

SHOPS = {"acme.myshopify.com": b"acme-secret", "globex.myshopify.com": b"globex-secret"}
ORDER = {"id": 42, "name": "#1042", "cancelled_at": None, "line_items": [{"sku": "A"}]}
CANCELLED = {**ORDER, "cancelled_at": "2024-11-29T09:00:00-05:00"}
REFUND = {"id": 7, "order_id": 42, "refund_line_items": [], "transactions": []}
NOW = datetime(2024, 11, 29, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=48)


def test_only_configured_shops_have_a_secret() -> None:
    assert secret_for(SHOPS, "acme.myshopify.com") == b"acme-secret"
    assert secret_for(SHOPS, " Globex.MyShopify.com ") == b"globex-secret"
    assert secret_for(SHOPS, "initech.myshopify.com") is None
    assert secret_for(SHOPS, "acme") is None
    assert secret_for(SHOPS, "") is None
    assert secret_for(SHOPS, None) is None


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("orders/create", ORDER),
        ("orders/create", {k: v for k, v in ORDER.items() if k != "cancelled_at"}),
        ("orders/cancelled", CANCELLED),
        ("refunds/create", REFUND),
        ("refunds/create", {"id": 7, "order_id": 42, "transactions": []}),
        ("orders/paid", ORDER),
        ("orders/updated", CANCELLED),
    ],
)
def test_bodies_that_are_what_their_topic_says_pass(topic: str, body: dict[str, Any]) -> None:
    assert topic_mismatch(topic, body) is None


@pytest.mark.parametrize(
    ("topic", "body", "why"),
    [
        ("orders/cancelled", ORDER, "has a cancelled_at"),
        ("orders/cancelled", {"id": 42}, "has a cancelled_at"),
        ("orders/create", CANCELLED, "this one has a cancelled_at"),
        ("orders/create", REFUND, "this one is a refund"),
        ("orders/cancelled", REFUND, "this one is a refund"),
        ("orders/paid", REFUND, "this one is a refund"),
        ("refunds/create", ORDER, "a refunds/create body is a refund"),
        ("refunds/create", CANCELLED, "a refunds/create body is a refund"),
        ("refunds/create", {"id": 7, "order_id": None, "transactions": []}, "is a refund"),
    ],
)
def test_a_body_signed_for_another_topic_is_a_mismatch(
    topic: str, body: dict[str, Any], why: str
) -> None:
    assert why in (topic_mismatch(topic, body) or "")


def test_topics_not_known_here_are_only_checked_as_orders() -> None:
    assert topic_mismatch("products/update", REFUND) is None
    assert topic_mismatch("orders/create", [1, 2]) is None


@pytest.mark.parametrize(
    ("topic", "body", "why"),
    [
        ("orders/create", ORDER, None),
        ("orders/create", {**ORDER, "id": "42"}, None),
        ("refunds/create", REFUND, None),
        ("orders/create", [ORDER], "the body is not a JSON object"),
        ("orders/create", "42", "the body is not a JSON object"),
        ("orders/create", {"name": "#1"}, "id: a positive integer id is required"),
        ("orders/create", {"id": 0}, "id: a positive integer id is required"),
        ("orders/create", {"id": True}, "id: a positive integer id is required"),
        ("orders/create", {"id": "4²"}, "id: a positive integer id is required"),
        ("orders/cancelled", {"id": 4.5}, "id: a positive integer id is required"),
        ("refunds/create", {"id": 7}, "order_id: a positive integer id is required"),
        ("products/update", {"title": "x"}, None),
    ],
)
def test_a_delivery_needs_an_id_to_be_kept_under(topic: str, body: Any, why: str | None) -> None:
    assert unusable_id(topic, body) == why


def test_a_missing_triggered_at_is_accepted() -> None:
    assert staleness(None, NOW, WINDOW) is None


@pytest.mark.parametrize(
    ("sent", "stale"),
    [
        ("2024-11-27T12:00:00Z", False),
        ("2024-11-27T11:59:59.999999999Z", True),
        ("2024-11-27T07:00:00-05:00", False),
        ("2024-11-27T06:59:59-05:00", True),
        ("2024-11-29T11:59:00.123456789Z", False),
        ("2024-11-29T12:05:00Z", False),
        ("2024-01-01T00:00:00+00:00", True),
    ],
)
def test_a_delivery_triggered_longer_ago_than_the_window_is_stale(sent: str, stale: bool) -> None:
    why = staleness(sent, NOW, WINDOW)
    assert (why is not None) is stale
    if stale:
        assert "stale" in (why or "")


@pytest.mark.parametrize("sent", ["yesterday", "2024-11-29T12:00:00", "", "1732881600"])
def test_a_triggered_at_that_is_no_instant_with_a_zone_is_refused(sent: str) -> None:
    assert "is not an ISO 8601 instant" in (staleness(sent, NOW, WINDOW) or "")


def test_nanoseconds_are_cut_to_microseconds() -> None:
    assert parse_instant("2023-03-29T18:00:27.877041743Z") == datetime(
        2023, 3, 29, 18, 0, 27, 877041, tzinfo=UTC
    )
    assert parse_instant("2023-03-29T18:00:27.8Z") == datetime(
        2023, 3, 29, 18, 0, 27, 800000, tzinfo=UTC
    )
