"""A small HTTP/1.1 server protocol on h11: one object per connection, no thread.

An ``asyncio.Protocol`` costs a few kilobytes per connection, so thousands of idle
or waiting clients are cheap; when a client hangs up, the request's task is
cancelled, which is how the vendor learns a request was abandoned.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from socket import SO_LINGER, SOL_SOCKET
from typing import cast

import h11

from sim.vendor.misbehaviour import Raw
from sim.vendor.vendor import Reply

log = logging.getLogger(__name__)

_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

Handler = Callable[[str, str, Mapping[str, str], bytes], Awaitable[Reply]]


class Hangup(Exception):
    """Raised by a handler to drop the connection without answering."""


class HttpConnection(asyncio.Protocol):
    """One client connection; requests on it are served one after another."""

    def __init__(self, handler: Handler, registry: set[HttpConnection]) -> None:
        self._handler = handler
        self._registry = registry
        self._h11 = h11.Connection(h11.SERVER)
        self._transport: asyncio.Transport | None = None
        self._request: h11.Request | None = None
        self._body = bytearray()
        self._task: asyncio.Task[None] | None = None
        self._writable = asyncio.Event()
        self._writable.set()

    @property
    def busy(self) -> bool:
        """Whether a request is being served on this connection."""
        return self._task is not None

    def close(self) -> None:
        """Close the connection once what was written has been sent."""
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> asyncio.Task[None] | None:
        """Reset the connection now; returns the cancelled request task, if any, to await."""
        task = self._task
        if task is not None:
            task.cancel()
        if self._transport is not None:
            self._transport.abort()
        return task

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        self._transport = None
        if self._task is not None:
            self._task.cancel()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def data_received(self, data: bytes) -> None:
        self._h11.receive_data(data)
        self._pump()

    def eof_received(self) -> bool:
        self._h11.receive_data(b"")
        self._pump()
        return False

    def _pump(self) -> None:
        while self._task is None and self._transport is not None:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError:
                self._transport.write(_BAD_REQUEST)
                self.close()
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._request = event
                self._body.clear()
            elif isinstance(event, h11.Data):
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage) and self._request is not None:
                self._task = asyncio.get_running_loop().create_task(self._respond(self._request))
            elif isinstance(event, h11.ConnectionClosed):
                self.close()
                return

    async def _respond(self, request: h11.Request) -> None:
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in request.headers
        }
        try:
            reply = await self._handler(
                request.method.decode("ascii"),
                request.target.decode("latin-1"),
                headers,
                bytes(self._body),
            )
        except Hangup:
            if self._transport is not None:
                self._transport.abort()
            return
        except Exception:
            log.exception("vendor simulator failed on %s %r", request.method, request.target)
            reply = Reply(500, {"error": "simulator error"})
        transport = self._transport
        if transport is not None and reply.raw is not None:
            await self._play(transport, reply.raw)
            return
        self._task = None
        if transport is None:
            return
        self._answer(transport, reply)
        if self._h11.our_state is h11.MUST_CLOSE:
            self.close()
        else:
            self._h11.start_next_cycle()
            self._pump()

    def _answer(self, transport: asyncio.Transport, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(payload))),
            *reply.headers,
        ]
        phrase = HTTPStatus(reply.status).phrase.encode()
        for event in (
            h11.Response(status_code=reply.status, headers=headers, reason=phrase),
            h11.Data(data=payload),
            h11.EndOfMessage(),
        ):
            transport.write(self._h11.send(event) or b"")

    async def _play(self, transport: asyncio.Transport, raw: Raw) -> None:
        """Write a raw answer as it says (at the pace the client reads), then hang up."""
        try:
            transport.write(raw.head)
            for _ in range(raw.count):
                if raw.interval:
                    await asyncio.sleep(raw.interval)
                await self._writable.wait()
                if transport.is_closing():
                    break
                transport.write(raw.chunk)
            else:
                transport.write(raw.tail)
                self._hang_up(transport, raw.reset)
                return
        except asyncio.CancelledError:
            if raw.on_cut is not None:
                raw.on_cut()
            raise
        if raw.on_cut is not None:
            raw.on_cut()

    @staticmethod
    def _hang_up(transport: asyncio.Transport, reset: bool) -> None:
        if reset:
            socket = transport.get_extra_info("socket")
            if socket is not None:
                socket.setsockopt(SOL_SOCKET, SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
