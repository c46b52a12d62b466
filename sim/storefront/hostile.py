"""Odd and hostile storefront deliveries, named and generated, for rehearsals and tests.

A real storefront sends nulls, empty strings, 64-bit ids and fields nobody reads; an
attacker replays a signed body under other headers. ``named`` gives one delivery per case
that the intake must get right (each with what must become of it); ``fuzzed`` gives any
number of seeded mutations of good orders, signed or not, valid, odd or hostile. Every one
must be either accepted whole or refused whole with a 4xx: never a 5xx, never half written.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sim.storefront.orders import Kind, OrderFactory, sign

INT64_MAX = 2**63 - 1


class Expect(StrEnum):
    """What the intake must do with a delivery."""

    ACCEPT = "accept"  # 2xx: an execution the console shows
    REFUSE = "refuse"  # 4xx, nothing written
    EITHER = "either"  # a fuzzed delivery: 2xx or 4xx, never 5xx


@dataclass(frozen=True)
class Delivery:
    """One POST to the intake: ``case`` says what it is, ``expect`` what must become of it."""

    case: str
    body: bytes
    headers: dict[str, str]
    expect: Expect
    order_id: int | None = None


Mutation = Callable[[dict[str, Any], random.Random], None]


class Hostile:
    """Deliveries built on the good orders of ``factory`` (its secret, shop and catalogue)."""

    def __init__(self, factory: OrderFactory, secret: str, shop_domain: str, first_id: int) -> None:
        self._factory = factory
        self._secret = secret.encode()
        self._shop_domain = shop_domain
        self._next_id = first_id

    def _order(self, rng: random.Random) -> tuple[int, dict[str, Any]]:
        """A good order, authorized (so that it ends without waiting for a payment)."""
        order_id = self._next_id
        self._next_id += 1
        payload = self._factory.order(rng, order_id, order_id % 100_000, Kind.GOOD)
        payload["financial_status"] = "authorized"
        return order_id, payload

    def _deliver(
        self,
        case: str,
        payload: Any,
        expect: Expect,
        order_id: int | None,
        *,
        topic: str = "orders/create",
        raw: bytes | None = None,
        **header_changes: str,
    ) -> Delivery:
        body = raw if raw is not None else json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(self._secret, body),
            "X-Shopify-Shop-Domain": self._shop_domain,
            "X-Shopify-Webhook-Id": f"hostile-{case}-{order_id}-{len(body)}",
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
            "X-Shopify-API-Version": "2024-10",
        }
        for name, value in header_changes.items():
            headers[name.replace("_", "-")] = value
        return Delivery(case, body, headers, expect, order_id)

    def named(self, rng: random.Random) -> list[Delivery]:
        """One delivery per case the intake must get right, in a fixed order."""
        out: list[Delivery] = []

        def order() -> tuple[int, dict[str, Any]]:
            return self._order(rng)

        n, good = order()
        out.append(self._deliver("good order", good, Expect.ACCEPT, n))
        out.append(replace(out[-1], case="the same delivery again"))
        body = json.dumps(good, separators=(",", ":")).encode()
        out.append(
            self._deliver(
                "replayed under another shop domain",
                None,
                Expect.REFUSE,
                n,
                raw=body,
                X_Shopify_Shop_Domain="another-shop.myshopify.com",
            )
        )
        out.append(
            self._deliver(
                "replayed as orders/cancelled",
                None,
                Expect.REFUSE,
                n,
                raw=body,
                topic="orders/cancelled",
            )
        )
        stale = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        out.append(
            self._deliver(
                "replayed a month later",
                None,
                Expect.REFUSE,
                n,
                raw=body,
                X_Shopify_Triggered_At=stale,
            )
        )
        n, payload = order()
        wrong = self._deliver("wrong signature", payload, Expect.REFUSE, n)
        wrong.headers["X-Shopify-Hmac-Sha256"] = sign(self._secret + b"x", wrong.body)
        out.append(wrong)
        n, payload = order()
        out.append(
            self._deliver("unknown topic", payload, Expect.REFUSE, n, topic="orders/teleported")
        )
        n, payload = order()
        payload["id"] = INT64_MAX + 1
        out.append(self._deliver("order id beyond 64 bits", payload, Expect.REFUSE, None))
        n, payload = order()
        payload["shipping_address"]["address1"] = "x\u0000y"
        out.append(self._deliver("NUL in the shipping address", payload, Expect.REFUSE, n))
        n, payload = order()
        payload["note_attributes"] = [{"name": "gift\u0000", "value": "yes"}]
        out.append(self._deliver("NUL in a field nobody reads", payload, Expect.REFUSE, n))
        n, payload = order()
        payload["total_price"] = "92233720368547758.08"
        out.append(self._deliver("total beyond 64-bit minor units", payload, Expect.REFUSE, n))
        out.append(self._deliver("not JSON", None, Expect.REFUSE, None, raw=b"{not json"))
        out.append(
            self._deliver("JSON nested 100,000 deep", None, Expect.REFUSE, None, raw=b"[" * 100_000)
        )
        out.append(
            self._deliver(
                "lone surrogate", None, Expect.REFUSE, None, raw=b'{"id": 1, "name": "\\ud800"}'
            )
        )
        n, payload = order()
        payload["note"] = "x" * (2 * 1024 * 1024)
        out.append(self._deliver("body over the size limit", payload, Expect.REFUSE, n))
        n, payload = order()
        payload["line_items"][0].update(sku=None, variant_id=999_999_999_999_999, product_id=None)
        out.append(self._deliver("line without SKU, unknown variant", payload, Expect.ACCEPT, n))
        n, payload = order()
        payload["line_items"][0]["sku"] = ""
        out.append(
            self._deliver("line with an empty SKU, known variant", payload, Expect.ACCEPT, n)
        )
        n, payload = order()
        payload["currency"] = "XTS"
        out.append(self._deliver("unsupported currency", payload, Expect.ACCEPT, n))
        n, payload = order()
        payload["shipping_address"] = None
        out.append(self._deliver("no shipping address", payload, Expect.ACCEPT, n))
        n, payload = order()
        payload["line_items"] = []
        out.append(self._deliver("no line items", payload, Expect.ACCEPT, n))
        n, payload = order()
        payload["total_price"] = payload["total_price_set"]["shop_money"]["amount"] = "12,50"
        out.append(self._deliver("malformed amount", payload, Expect.ACCEPT, n))
        for status in ("paid", "pending", "voided"):
            n, payload = order()
            payload["financial_status"] = status
            out.append(self._deliver(f"financial_status {status}", payload, Expect.ACCEPT, n))
        n, payload = order()
        payload["customer"] = {"first_name": "Zoë 🧵", "last_name": "‮evil", "note": None}
        out.append(self._deliver("unicode and nulls everywhere", payload, Expect.ACCEPT, n))
        return out

    def fuzzed(self, rng: random.Random, count: int) -> Iterator[Delivery]:
        """``count`` seeded deliveries: a good order with zero to three mutations."""
        for _ in range(count):
            n, payload = self._order(rng)
            applied = [rng.choice(MUTATIONS) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
            for mutation in applied:
                mutation(payload, rng)
            case = "+".join(m.__name__.strip("_") for m in applied) or "unchanged"
            delivery = self._deliver(f"fuzz:{case}", payload, Expect.EITHER, n)
            if rng.random() < 0.05:
                delivery.headers["X-Shopify-Hmac-Sha256"] = "AAAA"
            if rng.random() < 0.05:
                delivery.headers["X-Shopify-Shop-Domain"] = "evil.myshopify.com"
            if rng.random() < 0.05:
                delivery.headers["X-Shopify-Topic"] = rng.choice(
                    ("orders/cancelled", "refunds/create", "app/uninstalled")
                )
            yield delivery


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``document`` (dict keys and list indexes), the root excluded."""
    found: list[tuple[Any, ...]] = []
    items: list[tuple[Any, Any]] = []
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(_paths(value, path))
    return found


def _set(document: Any, rng: random.Random, value: Callable[[Any], Any]) -> None:
    paths = _paths(document)
    if not paths:
        return
    *parents, last = rng.choice(paths)
    target = document
    for key in parents:
        target = target[key]
    target[last] = value(target[last])


def _null(document: dict[str, Any], rng: random.Random) -> None:
    _set(document, rng, lambda _: None)


def _empty(document: dict[str, Any], rng: random.Random) -> None:
    _set(document, rng, lambda v: type(v)() if isinstance(v, (str, list, dict)) else "")


def _drop(document: dict[str, Any], rng: random.Random) -> None:
    keys = [p for p in _paths(document) if isinstance(p[-1], str)]
    if keys:
        *parents, last = rng.choice(keys)
        target = document
        for key in parents:
            target = target[key]
        target.pop(last, None)


def _retype(document: dict[str, Any], rng: random.Random) -> None:
    odd: tuple[Any, ...] = (True, -1, 0, 1.5, "1e999", "NaN", [], {}, "", "-0.00", 10**20, -(2**63))
    _set(document, rng, lambda _: copy.deepcopy(rng.choice(odd)))


def _big_int(document: dict[str, Any], rng: random.Random) -> None:
    _set(document, rng, lambda _: rng.choice((INT64_MAX, INT64_MAX + 1, -(2**63) - 1, 2**200)))


def _nul(document: dict[str, Any], rng: random.Random) -> None:
    _set(document, rng, lambda v: (v if isinstance(v, str) else "x") + "\u0000")


def _unicode(document: dict[str, Any], rng: random.Random) -> None:
    odd = ("Zoë", "🧵" * 50, "‮", "\u200b", "ß" * 300, "'; DROP TABLE executions; --", "\\u0000")
    _set(document, rng, lambda _: rng.choice(odd))


def _long_text(document: dict[str, Any], rng: random.Random) -> None:
    _set(document, rng, lambda _: "y" * rng.choice((256, 1001, 70_000)))


def _many_lines(document: dict[str, Any], rng: random.Random) -> None:
    lines = document.get("line_items")
    if isinstance(lines, list) and lines:
        document["line_items"] = [copy.deepcopy(lines[0]) for _ in range(rng.choice((50, 1001)))]


def _duplicate_sku(document: dict[str, Any], rng: random.Random) -> None:
    lines = document.get("line_items")
    if isinstance(lines, list) and lines:
        lines.append(copy.deepcopy(lines[0]))


MUTATIONS: tuple[Mutation, ...] = (
    _null,
    _empty,
    _drop,
    _retype,
    _big_int,
    _nul,
    _unicode,
    _long_text,
    _many_lines,
    _duplicate_sku,
)
