"""A minimal keep-alive HTTP/1.1 client for firing webhooks fast (h11 over asyncio).

httpx spends milliseconds of CPU per request under high concurrency, which on a
2-core machine would measure the client rather than the intake; this sends a
request with one write and reads the answer with h11, nothing more.
"""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import h11


class Connection:
    """One connection to ``url``'s host; reopened after the server closes it."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"expected an http:// URL, got {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._h11 = h11.Connection(h11.CLIENT)

    async def post(self, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body``; the status, or ``OSError``/``h11`` errors if the exchange failed."""
        try:
            return await asyncio.wait_for(self._exchange(body, headers), self.timeout_s)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, body: bytes, headers: dict[str, str]) -> int:
        if self._writer is None or self._h11.our_state is not h11.IDLE:
            await self._open()
        assert self._reader is not None and self._writer is not None
        fields = [("Host", self.host), ("Content-Length", str(len(body))), *headers.items()]
        request = h11.Request(method="POST", target=self.path, headers=fields)
        data = self._h11.send(request) or b""
        data += self._h11.send(h11.Data(data=body)) or b""
        data += self._h11.send(h11.EndOfMessage()) or b""
        self._writer.write(data)
        status = 0
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                chunk = await self._reader.read(65536)
                self._h11.receive_data(chunk)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("the server closed the connection")
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            try:
                self._h11.start_next_cycle()
            except h11.LocalProtocolError:
                self.close()
        else:
            self.close()
        return status

    async def _open(self) -> None:
        self.close()
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._h11 = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
