"""The vendor simulator on a port: routes, the listening socket, start and stop.

``GET /stats`` and ``POST /control`` belong to the simulator; every other method
and path is "the vendor API". Down in ``refuse`` mode, the listening socket is
closed (new connections are refused), idle connections are closed, and API
requests on connections still open are dropped unanswered; ``/stats`` and
``/control`` keep working on those. A timed outage reopens the socket on the
same port.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from sim.vendor.config import VendorConfig
from sim.vendor.faults import ControlError
from sim.vendor.http import Hangup, HttpConnection
from sim.vendor.vendor import Reply, Vendor


class VendorServer:
    """A simulated vendor listening on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, config: VendorConfig) -> None:
        self.config = config
        self.vendor = Vendor(config)
        self.port = config.port
        self._listener: asyncio.Server | None = None
        self._connections: set[HttpConnection] = set()
        self._reopen: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Base URL of the vendor API."""
        return f"http://{self.config.host}:{self.port}"

    async def start(self) -> None:
        """Bind the port and start serving."""
        await self._listen()
        await self.sync_listener()

    async def stop(self) -> None:
        """Stop listening and drop every connection; running requests are abandoned."""
        if self._reopen is not None:
            self._reopen.cancel()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        tasks = [task for c in list(self._connections) if (task := c.abort()) is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        if listener is not None:
            await listener.wait_closed()

    async def control(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a control payload in-process (same as ``POST /control``)."""
        stats = self.vendor.control(payload)
        await self.sync_listener()
        return stats

    async def sync_listener(self) -> None:
        """Open or close the listening socket to match the vendor's down mode."""
        refusing = self.vendor.refusing
        if refusing and self._listener is not None:
            self._listener.close()
            self._listener = None
            for connection in list(self._connections):
                if not connection.busy:
                    connection.close()
        elif not refusing and self._listener is None:
            await self._listen()
        self._schedule_reopen()

    async def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Route one request: the simulator's own endpoints, else the vendor API."""
        path = target.partition("?")[0]
        if method == "GET" and path == "/stats":
            return Reply(200, self.vendor.stats())
        if method == "POST" and path == "/control":
            return await self._control(body)
        if self.vendor.refusing:
            raise Hangup
        return await self.vendor.call(method, target, headers, body)

    async def _control(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return Reply(400, {"error": "the body must be a JSON object"})
        if not isinstance(payload, dict):
            return Reply(400, {"error": "the body must be a JSON object"})
        try:
            return Reply(200, await self.control(payload))
        except ControlError as e:
            return Reply(400, {"error": str(e)})

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: HttpConnection(self.handle, self._connections),
            self.config.host,
            self.port,
            backlog=4096,
            reuse_address=True,
        )
        self.port = self._listener.sockets[0].getsockname()[1]

    def _schedule_reopen(self) -> None:
        if self._reopen is not None:
            self._reopen.cancel()
            self._reopen = None
        until = self.vendor.faults.down_until
        if self._listener is None and until is not None:
            self._reopen = asyncio.create_task(self._reopen_at(until))

    async def _reopen_at(self, until: float) -> None:
        await asyncio.sleep(max(0.0, until - self.vendor.now()))
        self._reopen = None
        await self.sync_listener()
