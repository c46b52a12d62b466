"""Property: every signed (or mis-signed) delivery is wholly accepted or wholly refused.

Hypothesis draws runs of webhooks (good ones, and ones with NUL characters, lone surrogates,
integers and amounts beyond 64 bits, another shop, another topic, a stale triggered-at, a bad
signature, repeats) and sends them to the real intake app over HTTP; the real broker is read
back afterwards. Each delivery is answered 2xx with its start and its marker committed, or
4xx with nothing of its order committed; never 5xx, never one record without the other.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderloom.events.codec import EventCodec
from orderloom.kafka.reader import read_envelopes
from sim.storefront import OrderFactory
from sim.storefront.orders import sign
from tests.integration.order.conftest import ACME, SECRET, Running
from tests.integration.order.test_intake import QUIET_S

ORDER_IDS = itertools.count(1)
"""Each drawn delivery gets an order of its own (unique across examples of one session)."""

any_char = st.characters(codec=None, categories=None, exclude_characters="")
texts = st.text(alphabet=any_char, max_size=12)


@dataclass(frozen=True)
class Sent:
    order_key: str
    body: bytes
    headers: dict[str, str]


def mutated(order: dict[str, Any], headers: dict[str, str], change: tuple[str, Any]) -> Sent:
    """The order, changed as ``change`` says, signed like a storefront would (unless the
    change is the signature)."""
    kind, value = change
    order, headers = json.loads(json.dumps(order)), dict(headers)
    if kind == "address_text":
        order["shipping_address"]["address1"] = value
    elif kind == "key_text":
        order["note_attributes"] = [{value: "x"}]
    elif kind == "integer":
        order["line_items"][0]["product_id"] = value
    elif kind == "id":
        order["id"] = value
    elif kind == "amount":
        order["total_price"] = value
    elif kind == "header":
        headers.update(value)
    body = json.dumps(order).encode()
    headers["X-Shopify-Hmac-Sha256"] = sign(SECRET.encode(), body)
    if kind == "signature":
        headers["X-Shopify-Hmac-Sha256"] = sign(value.encode(), body)
    key = f"order-orderloom-demo-{order['id']}" if isinstance(order["id"], int) else ""
    return Sent(key, body, headers)


def stale() -> dict[str, str]:
    return {"X-Shopify-Triggered-At": (datetime.now(UTC) - timedelta(days=3)).isoformat()}


changes = st.one_of(
    st.just(("none", None)),
    st.tuples(st.just("address_text"), texts),
    st.tuples(st.just("key_text"), texts.filter(bool)),
    st.tuples(st.just("integer"), st.integers() | st.sampled_from([2**63 - 1, 2**63, -(2**63)])),
    st.tuples(st.just("id"), st.sampled_from([2**63, 2**64 + 1, 0, -1, "x", None])),
    st.tuples(st.just("amount"), st.sampled_from(["1e20", "9223372036854775.808", "12.5", "-0.0"])),
    st.tuples(
        st.just("header"),
        st.sampled_from(
            [
                {"X-Shopify-Shop-Domain": ACME},
                {"X-Shopify-Shop-Domain": "evil.myshopify.com"},
                {"X-Shopify-Topic": "orders/cancelled"},
                {"X-Shopify-Topic": "refunds/create"},
                {"X-Shopify-Topic": "products/update"},
                {"X-Shopify-Triggered-At": "not a time"},
            ]
        )
        | st.builds(stale),
    ),
    st.tuples(st.just("signature"), st.sampled_from(["a-wrong-secret-123456", ""])),
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(st.tuples(changes, st.booleans()), min_size=1, max_size=6),
)
def test_every_delivery_is_wholly_accepted_or_wholly_refused(
    intake: Running, codec: EventCodec, factory: OrderFactory, plan: list[tuple[Any, bool]]
) -> None:
    sent: list[Sent] = []
    for change, repeat in plan:
        webhook = factory.webhook(next(ORDER_IDS))
        delivery = mutated(json.loads(webhook.body), webhook.headers, change)
        sent += [delivery, delivery] if repeat else [delivery]
    answers = [httpx.post(intake.url, content=s.body, headers=s.headers) for s in sent]

    statuses = [a.status_code for a in answers]
    assert all(status in (200, 202) or 400 <= status < 500 for status in statuses), statuses
    accepted = {s.order_key for s, a in zip(sent, answers, strict=True) if a.status_code == 202}
    duplicates = [s.order_key for s, a in zip(sent, answers, strict=True) if a.status_code == 200]
    assert set(duplicates) <= accepted
    keys = {s.order_key for s in sent if s.order_key}
    found = [
        r
        for topic in (intake.orders, intake.inputs)
        for r in read_envelopes(
            intake.settings.kafka,
            codec,
            topic,
            count=len(accepted) + 1,
            timeout_s=QUIET_S,
            match=lambda r: r.envelope.key in keys,
        )
    ]
    starts = sorted(r.envelope.key for r in found if r.topic == intake.inputs)
    markers = sorted(r.envelope.key for r in found if r.topic == intake.orders)
    assert starts == markers == sorted(accepted)
