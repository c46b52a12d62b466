"""Live figures over HTTP: ``/metrics`` for Prometheus, ``/pools`` for an operator,
``/healthz`` and ``/readyz`` for Kubernetes' probes and ``orderloom run``.

``GET /pools`` shows each vendor's cap, effective limit, slots in use and queue per
lane, requests waiting out a backoff and circuit state;
``/healthz`` says the Kafka feed's loop turns (the loop of this server answers by answering),
``/readyz`` that the feed has its partitions and has read what there was
(``orderloom.health``);
``GET /pools/<vendor>/requests/<id>`` says where one request is (queued at which
position, in flight, backing off), i.e. why it waits. A tiny server on the gateway's
loop: a few GETs need no web framework and no signal handling of their own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from orderloom.health import Progress, answer
from vendor_gateway.pool import VendorPool

JSON = "application/json"
REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
STALE_AFTER_S = 60.0
"""The feed's loop turns every 0.1 s; a minute without a turn means it is stuck."""


def pools_figures(pools: Mapping[str, VendorPool]) -> dict[str, Any]:
    """Every pool's live figures, as ``GET /pools`` returns them."""
    figures: dict[str, Any] = {}
    for name, pool in pools.items():
        view = pool.view()
        figures[name] = {
            "cap": view.cap,
            "limit": view.limit,
            "reserved_sync_slots": view.reserve,
            "circuit": pool.circuit().value,
            "sync": {"in_use": view.sync.in_use, "queued": view.sync.queued},
            "async": {"in_use": view.async_.in_use, "queued": view.async_.queued},
            "backing_off": pool.backing_off,
        }
    return figures


def route(
    path: str,
    pools: Callable[[], Mapping[str, VendorPool]],
    registry: CollectorRegistry,
    health: Progress,
) -> tuple[int, str, bytes]:
    """Status, content type and body for a GET of ``path``."""
    parts = [p for p in path.partition("?")[0].split("/") if p]
    if parts == ["metrics"]:
        return 200, CONTENT_TYPE_LATEST, generate_latest(registry)
    if parts in (["healthz"], ["readyz"]):
        status, body = answer(path, health, STALE_AFTER_S)
        return status, JSON, json.dumps(body).encode()
    if parts == ["pools"]:
        return 200, JSON, json.dumps(pools_figures(pools())).encode()
    if len(parts) == 4 and parts[0] == "pools" and parts[2] == "requests":
        pool = pools().get(parts[1])
        if pool is None:
            return 404, JSON, json.dumps({"error": f"no vendor {parts[1]!r}"}).encode()
        where = pool.where(parts[3])
        if where is None:
            return 404, JSON, json.dumps({"error": "not queued or in flight here"}).encode()
        return 200, JSON, json.dumps({"vendor": parts[1], "request_id": parts[3], **where}).encode()
    return 404, JSON, b'{"error": "not found"}'


class StatusServer:
    """Answers GETs with ``route``; one request per connection."""

    def __init__(
        self,
        pools: Callable[[], Mapping[str, VendorPool]],
        registry: CollectorRegistry,
        health: Progress,
    ) -> None:
        self._pools, self._registry, self._health = pools, registry, health
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            method, target, *_ = head.decode("latin-1").split(" ", 2)
            if method == "GET":
                status, kind, body = route(target, self._pools, self._registry, self._health)
            else:
                status, kind, body = 405, JSON, b'{"error": "GET only"}'
            writer.write(
                f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                f"content-type: {kind}\r\ncontent-length: {len(body)}\r\n"
                "connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # a client that sent no complete request gets no answer
        except ConnectionError:
            pass
        finally:
            writer.close()
