"""The vendor's judgement, driven in-process without sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from sim.vendor.config import VendorConfig
from sim.vendor.durations import DurationSpec
from sim.vendor.vendor import Reply, Vendor

pytestmark = pytest.mark.anyio

KEYED = {"idempotency-key": "k1"}


def vendor(**changes: object) -> Vendor:
    settings: dict[str, object] = {
        "cap": 3,
        "duration": DurationSpec.parse("fixed:1"),
        "time_scale": 0.05,
        "seed": 1,
        **changes,
    }
    return Vendor(VendorConfig(**settings))  # type: ignore[arg-type]


async def hold(v: Vendor, count: int) -> list[asyncio.Task[Reply]]:
    """Start ``count`` requests and let them reach the vendor."""
    tasks = [asyncio.create_task(v.call("GET", f"/items/{n}", {}, b"")) for n in range(count)]
    await asyncio.sleep(0)
    return tasks


async def gather(tasks: list[asyncio.Task[Reply]]) -> list[int]:
    return [reply.status for reply in await asyncio.gather(*tasks)]


async def test_over_the_cap_is_a_violation() -> None:
    v = vendor()
    held = await hold(v, 3)

    extra = await v.call("GET", "/one-too-many", {}, b"")

    assert extra.status == 429
    assert extra.headers == (("retry-after", "0.05"),)
    assert v.counters.violations == 1
    assert v.counters.max_concurrency == 4
    assert await gather(held) == [200, 200, 200]
    assert v.counters.by_status == {200: 3, 429: 1}


async def test_the_other_clients_share_is_not_our_violation() -> None:
    v = vendor(shared_clients=1)
    held = await hold(v, 2)

    extra = await v.call("GET", "/x", {}, b"")

    assert extra.status == 429
    assert (v.counters.rejected_shared, v.counters.violations) == (1, 0)
    await gather(held)


async def test_a_repeated_key_replays_without_working_again() -> None:
    v = vendor()
    first = await v.call("POST", "/orders", KEYED, b'{"n": 1}')
    again = await v.call("POST", "/orders", KEYED, b'{"n": 1}')

    assert again == first
    assert first.body["received"] == {"n": 1}
    assert (v.counters.completed, v.counters.duplicates) == (1, 1)


async def test_a_key_still_running_gets_409() -> None:
    v = vendor()
    first = asyncio.create_task(v.call("POST", "/orders", KEYED, b""))
    await asyncio.sleep(0)

    assert (await v.call("POST", "/orders", KEYED, b"")).status == 409
    assert v.counters.conflicts == 1
    assert (await first).status == 200


async def test_unkeyed_writes_are_served_and_counted() -> None:
    v = vendor()
    for method in ("POST", "PATCH", "PUT", "GET"):
        assert (await v.call(method, "/x", {}, b"")).status == 200
    assert v.counters.unkeyed == 2


async def test_an_injected_failure_is_not_remembered() -> None:
    v = vendor(error_rate=1.0)
    assert (await v.call("POST", "/orders", KEYED, b"")).status == 500
    v.control({"error_rate": 0.0})
    assert (await v.call("POST", "/orders", KEYED, b"")).status == 200
    assert (v.counters.duplicates, v.counters.completed) == (0, 1)


async def test_a_timeout_holds_far_beyond_the_duration() -> None:
    v = vendor(timeout_rate=1.0, timeout_hold=3600)
    held = asyncio.create_task(v.call("GET", "/slow", {}, b""))
    await asyncio.sleep(0.2)
    assert v.in_flight == 1

    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held
    assert (v.in_flight, v.counters.abandoned) == (0, 1)
    assert v.counters.busy_seconds >= 0.1


@pytest.mark.parametrize(
    ("payload", "status"),
    [({"down": "503"}, 503), ({"storm_for": 60}, 429)],
)
async def test_down_and_storms_answer_at_once(payload: dict[str, object], status: int) -> None:
    v = vendor()
    v.control(payload)
    reply = await asyncio.wait_for(v.call("GET", "/x", {}, b""), timeout=5)
    assert reply.status == status
    assert dict(reply.headers)["retry-after"]
    assert v.counters.completed == 0


async def test_reset_clears_counters_and_forget_keys_clears_answers() -> None:
    v = vendor()
    await v.call("POST", "/orders", KEYED, b"")
    stats = v.control({"reset": True, "forget_keys": True})
    assert stats["total_requests"] == 0
    assert (await v.call("POST", "/orders", KEYED, b"")).body["vendor_id"] == "V00000002"
    assert v.counters.duplicates == 0


async def test_the_seed_makes_durations_repeat() -> None:
    async def durations() -> list[float]:
        v = vendor(duration=DurationSpec.parse("uniform:0,1"), time_scale=0.01, cap=10, seed=9)
        calls: list[Awaitable[Reply]] = [v.call("GET", "/x", {}, b"") for _ in range(5)]
        return [r.body["duration"] for r in await asyncio.gather(*calls)]

    assert await durations() == await durations()


async def test_time_scale_and_slow_start_stretch_durations() -> None:
    v = vendor(slow_start=1000, slow_start_factor=2.0)
    reply = await v.call("GET", "/x", {}, b"")
    assert reply.body["duration"] == pytest.approx(0.1, rel=0.01)


async def test_payment_tokens_are_declined_or_unavailable_every_time_and_others_paid() -> None:
    v = vendor(decline_tokens=frozenset({"tok_no"}), unavailable_tokens=frozenset({"tok_down"}))

    def pay(token: str, key: str) -> Awaitable[Reply]:
        body = b'{"payment_token": "%s"}' % token.encode()
        return v.call("POST", "/captures", {"idempotency-key": key}, body)

    declined, down, again, paid = [
        await pay(token, key)
        for token, key in (("tok_no", "a"), ("tok_down", "b"), ("tok_down", "b"), ("tok_ok", "c"))
    ]

    assert (declined.status, down.status, again.status, paid.status) == (402, 503, 503, 200)
    assert down.body == {"error": "processor_unavailable", "payment_token": "tok_down"}
