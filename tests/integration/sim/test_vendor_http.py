"""The vendor simulator over loopback, as the gateway and benchmarks will see it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from sim.vendor import DurationSpec, VendorConfig, VendorServer, VendorThread, running_vendor

pytestmark = pytest.mark.anyio

POOL = httpx.Limits(max_connections=None, max_keepalive_connections=None)


@pytest.fixture
async def server() -> AsyncIterator[VendorServer]:
    config = VendorConfig(cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.05, seed=1)
    async with running_vendor(config) as vendor:
        yield vendor


@pytest.fixture
async def client(server: VendorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, limits=POOL, timeout=10) as http:
        yield http


async def wait_for_in_flight(client: httpx.AsyncClient, count: int) -> None:
    for _ in range(500):
        if (await client.get("/stats")).json()["in_flight"] == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never saw {count} in flight")


async def test_cap_plus_k_gives_k_429s_counted_as_violations() -> None:
    config = VendorConfig(cap=5, duration=DurationSpec.parse("fixed:1"))
    async with (
        running_vendor(config) as server,
        httpx.AsyncClient(base_url=server.url, limits=POOL, timeout=30) as client,
    ):
        held = [asyncio.create_task(client.get(f"/items/{n}")) for n in range(5)]
        await wait_for_in_flight(client, 5)

        extra = await asyncio.gather(*(client.get(f"/extra/{n}") for n in range(3)))

        assert [r.status_code for r in extra] == [429, 429, 429]
        assert all(r.headers["retry-after"] == "1" for r in extra)
        assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 5
        stats = (await client.get("/stats")).json()
    assert stats["violations"] == 3
    assert stats["max_concurrency"] == 6
    assert stats["requests_by_status"] == {"200": 5, "429": 3}
    assert stats["in_flight"] == 0


async def test_staying_within_the_cap_keeps_it_full_and_clean(
    server: VendorServer, client: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    replies = []
    for _ in range(3):
        replies += await asyncio.gather(*(client.get("/items") for _ in range(5)))
    elapsed = time.monotonic() - started

    stats = (await client.get("/stats")).json()
    assert {r.status_code for r in replies} == {200}
    assert (stats["violations"], stats["max_concurrency"], stats["completed"]) == (0, 5, 15)
    assert stats["busy_seconds"] == pytest.approx(15 * 0.05, rel=0.5)
    assert stats["first_start"] <= stats["last_end"]
    assert 0.15 <= elapsed < 10


async def test_idempotency_key_replays_the_first_answer(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = await client.post("/sales-orders", json={"order": 42}, headers=headers)
    again = await client.post("/sales-orders", json={"order": 42}, headers=headers)
    await client.post("/sales-orders", json={"order": 43})

    stats = (await client.get("/stats")).json()
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["idempotency_key"] == "order-42"
    assert first.json()["operation"] == "POST /sales-orders"
    assert (stats["duplicates"], stats["completed"], stats["unkeyed"]) == (1, 2, 1)


async def test_control_rejects_bad_payloads(client: httpx.AsyncClient) -> None:
    assert (await client.post("/control", json={"nope": 1})).status_code == 400
    assert (await client.post("/control", content=b"[1]")).status_code == 400
    assert (await client.post("/control", content=b"{")).status_code == 400


async def test_error_storm_and_503_injection(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"error_rate": 1.0})
    assert (await client.get("/x")).status_code == 500

    await client.post("/control", json={"error_rate": 0.0, "storm_for": 100})
    storm = await client.get("/x")
    assert storm.status_code == 429
    assert 0 < float(storm.headers["retry-after"]) <= 5

    await client.post("/control", json={"down": "503"})
    assert (await client.get("/x")).status_code == 503
    stats = (await client.post("/control", json={"down": None, "reset": True})).json()
    assert stats["faults"]["down"] is None
    assert stats["total_requests"] == 0


async def test_shared_clients_lower_our_share(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"shared_clients": 3})
    replies = await asyncio.gather(*(client.get("/x") for _ in range(4)))
    stats = (await client.get("/stats")).json()

    assert sorted(r.status_code for r in replies) == [200, 200, 429, 429]
    assert (stats["rejected_shared"], stats["violations"]) == (2, 0)


async def test_refused_connections_until_the_outage_ends(server: VendorServer) -> None:
    await server.control({"down": "refuse", "down_for": 4})
    async with httpx.AsyncClient(base_url=server.url) as fresh:
        with pytest.raises(httpx.ConnectError):
            await fresh.get("/x")
        for _ in range(200):
            await asyncio.sleep(0.02)
            try:
                reply = await fresh.get("/x")
            except httpx.ConnectError:
                continue
            break
        assert reply.status_code == 200
    assert server.vendor.counters.completed == 1


async def test_a_client_timeout_abandons_the_request(
    server: VendorServer, client: httpx.AsyncClient
) -> None:
    await server.control({"timeout_rate": 1.0})
    with pytest.raises(httpx.ReadTimeout):
        await client.get("/x", timeout=0.3)
    await server.control({"timeout_rate": 0.0})
    await wait_for_in_flight(client, 0)
    stats = (await client.get("/stats")).json()
    assert stats["abandoned"] == 1
    assert stats["completed"] == 0


async def test_holds_many_connections_at_once() -> None:
    config = VendorConfig(cap=1000, duration=DurationSpec.parse("fixed:0.5"))

    async def one(port: int, n: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /items/{n} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".encode())
        status = (await reader.readline()).split()[1]
        writer.close()
        return status

    async with running_vendor(config) as server:
        statuses = await asyncio.gather(*(one(server.port, n) for n in range(400)))
        stats = server.vendor.stats()
    assert set(statuses) == {b"200"}
    assert stats["max_concurrency"] == 400
    assert stats["violations"] == 0


def test_runs_in_a_thread_for_synchronous_callers() -> None:
    config = VendorConfig(cap=2, duration=DurationSpec.parse("fixed:0"), seed=1)
    with VendorThread(config) as vendor:
        reply = httpx.put(f"{vendor.url}/products/7", json={"sku": "A"})
        vendor.control({"error_rate": 1.0})
        failed = httpx.get(f"{vendor.url}/products/7")
        stats = vendor.stats()
    assert (reply.status_code, failed.status_code) == (200, 500)
    assert stats["requests_by_status"] == {"200": 1, "500": 1}


async def test_stop_abandons_running_requests_cleanly() -> None:
    config = VendorConfig(cap=3, duration=DurationSpec.parse("fixed:60"))
    async with running_vendor(config) as server, httpx.AsyncClient(base_url=server.url) as client:
        pending = asyncio.create_task(client.get("/slow"))
        await wait_for_in_flight(client, 1)
        await server.stop()
        with pytest.raises(httpx.TransportError):
            await pending
        assert (server.vendor.in_flight, server.vendor.counters.abandoned) == (0, 1)
