"""The simulator's misbehaviours over loopback, as a client sees them on the wire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from sim.vendor import DurationSpec, VendorConfig, VendorServer, running_vendor
from sim.vendor.misbehaviour import Misbehaviour

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server() -> AsyncIterator[VendorServer]:
    config = VendorConfig(
        cap=5,
        duration=DurationSpec.parse("fixed:1"),
        time_scale=0.01,
        huge_bytes=64 << 20,
        slow_interval=0.1,
    )
    async with running_vendor(config) as vendor:
        yield vendor


@pytest.fixture
async def client(server: VendorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http


async def _stats_until(client: httpx.AsyncClient, name: str, value: int) -> None:
    for _ in range(500):
        if (await client.get("/stats")).json()[name] == value:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} never reached {value}")


async def test_control_sets_a_misbehaviour_and_null_ends_it(client: httpx.AsyncClient) -> None:
    set_ = await client.post("/control", json={"misbehave": "redirect_loop"})
    assert set_.json()["faults"]["misbehave"] == "redirect_loop"
    there = await client.get("/orders")
    back = await client.get(there.headers["location"])
    assert (there.status_code, there.headers["location"]) == (302, "/looped/orders")
    assert (back.status_code, back.headers["location"]) == (302, "/orders")

    await client.post("/control", json={"misbehave": None})
    assert (await client.get("/orders")).status_code == 200
    stats = (await client.get("/stats")).json()
    assert (stats["misbehaved"], stats["cut_short"]) == (2, 0)


async def test_control_refuses_an_unknown_misbehaviour(client: httpx.AsyncClient) -> None:
    response = await client.post("/control", json={"misbehave": "teapot"})
    assert response.status_code == 400


async def test_a_huge_body_stops_when_the_client_hangs_up(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"misbehave": "huge_body"})
    read = 0
    async with (
        httpx.AsyncClient(base_url=str(client.base_url), timeout=10) as other,
        other.stream("GET", "/orders") as response,
    ):
        assert "content-length" not in response.headers
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > 1 << 20:
                break
    await _stats_until(client, "cut_short", 1)
    assert read < 8 << 20


async def test_a_reset_cuts_the_body_short(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"misbehave": "reset"})
    with pytest.raises(httpx.TransportError):
        await client.get("/orders")


async def test_a_slow_body_arrives_whole_a_byte_at_a_time(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"misbehave": Misbehaviour.SLOW_BODY.value})
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await client.get("/orders")
    assert response.json() == {}
    assert loop.time() - started >= 100 * 0.1 * 0.01


@pytest.mark.parametrize(
    ("kind", "marker"),
    [("nul_body", b"\x00"), ("not_utf8", b"\xe9"), ("bad_json", b"{'id'")],
)
async def test_broken_bodies_arrive_as_sent(
    client: httpx.AsyncClient, kind: str, marker: bytes
) -> None:
    await client.post("/control", json={"misbehave": kind})
    response = await client.get("/orders")
    assert response.status_code == 200 and marker in response.content
