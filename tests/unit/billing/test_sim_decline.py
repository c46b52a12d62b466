"""The vendor simulator as a payment provider declines the tokens it is told to (402)."""

from __future__ import annotations

import asyncio
import json

from sim.vendor.config import VendorConfig
from sim.vendor.durations import DurationSpec
from sim.vendor.vendor import Vendor


def _pay(vendor: Vendor, token: str, key: str) -> tuple[int, dict[str, object]]:
    body = json.dumps({"order_id": "o1", "amount_cents": 100, "payment_token": token}).encode()
    reply = asyncio.run(vendor.call("POST", "/captures", {"idempotency-key": key}, body))
    return reply.status, dict(reply.body)


def test_a_declined_token_gets_402_and_is_not_remembered_as_done() -> None:
    vendor = Vendor(
        VendorConfig(
            duration=DurationSpec.parse("fixed:0"), decline_tokens=frozenset({"pm_declined"})
        )
    )
    status, body = _pay(vendor, "pm_declined", "capture:o1")
    assert (status, body["error"]) == (402, "card_declined")
    assert _pay(vendor, "pm_declined", "capture:o1")[0] == 402
    assert _pay(vendor, "pm_ok", "capture:o2")[0] == 200
    assert vendor.counters.by_status == {402: 2, 200: 1}
