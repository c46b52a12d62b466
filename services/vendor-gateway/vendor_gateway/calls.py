"""One attempt at the vendor over HTTP, turned into an ``Outcome`` the policies judge.

Failures are sorted by whether the request can have reached the vendor: a refused
connection cannot (always safe to retry), a timeout or a dropped connection can.
Whatever else a vendor answers ends as an outcome too, never as an exception: a
redirect away from its origin, a loop of redirects, a body over the cap, a body
or header that cannot be read (``redirects.py`` and ``bodies.py`` say what is
refused and why). The vendor's credentials are added per request, only to a URL
on the vendor's origin; the session itself carries none.
aiohttp because the gateway's CPU goes into its HTTP client: per request it costs a
fraction of what httpx does, and that is the gateway's throughput on a small machine.
"""

from __future__ import annotations

import asyncio

import aiohttp
from yarl import URL

from vendor_gateway.bodies import (
    BodyTooLarge,
    MalformedBody,
    answer_text,
    diagnostic_text,
    read_capped,
)
from vendor_gateway.config import VendorSettings
from vendor_gateway.model import Failure, Outcome, VendorRequest
from vendor_gateway.redirects import REDIRECT_STATUSES, Hop, next_hop, same_origin


class VendorClient:
    """The vendor's HTTP client: never more connections than the cap, kept alive for reuse.

    Waiting for a connection cannot happen: admission already holds a slot for every
    request sent, and there are as many connections as slots. A followed redirect
    asks on the same slot once the answer before it is released.
    """

    def __init__(self, settings: VendorSettings, headers: dict[str, str]) -> None:
        self._base = settings.base_url.rstrip("/")
        self._origin = URL(settings.base_url)
        self._settings, self._credentials = settings, headers
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp wants the running loop."""
        if self._session is None:
            cap = self._settings.cap
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=cap, limit_per_host=cap),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=self._settings.connect_timeout_s,
                    sock_read=self._settings.read_timeout_s,
                ),
            )
        return self._session

    async def send(self, request: VendorRequest) -> tuple[Outcome, str]:
        """Send ``request`` once; the outcome and the body text (empty without an answer)."""
        content = None if request.body is None else str(request.body).encode()
        headers = dict(request.headers)
        if content is not None:
            headers["Content-Type"] = "application/json"
        hop = Hop(URL(self._base + request.path), request.method, keeps_body=True)
        limit = self._settings.connect_timeout_s + self._settings.read_timeout_s
        try:
            async with asyncio.timeout(limit):
                return await self._follow(hop, content, headers)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
            return Outcome(failure=Failure.CONNECT), ""
        except TimeoutError:
            why = "no complete answer within the read timeout"
            return Outcome(failure=Failure.TIMEOUT, detail=why), ""
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
            why = "the vendor closed or reset the connection before the answer was complete"
            return Outcome(failure=Failure.DISCONNECT, detail=why), ""
        except aiohttp.ClientResponseError as e:
            first = next(iter(e.message.splitlines()), "")[:200]
            why = f"an answer that is not valid HTTP: {first}"
            return Outcome(failure=Failure.MALFORMED, detail=why), ""

    async def _follow(
        self, hop: Hop, content: bytes | None, headers: dict[str, str]
    ) -> tuple[Outcome, str]:
        """Ask ``hop`` and the redirects within the origin it leads to, up to the bound."""
        visited = [hop.url]
        while True:
            async with self._opened().request(
                hop.method,
                hop.url,
                data=content,
                headers={**headers, **self._credentials_for(hop.url)},
                allow_redirects=False,
            ) as response:
                if response.status not in REDIRECT_STATUSES:
                    return await self._answer(response)
                found = next_hop(
                    response.status,
                    response.headers.get("Location"),
                    visited,
                    hop.method,
                    self._settings.max_redirects,
                )
            if not isinstance(found, Hop):
                return Outcome(failure=found.failure, detail=found.detail), ""
            if not found.keeps_body:
                content = None
                headers.pop("Content-Type", None)
            hop = found
            visited.append(hop.url)

    def _credentials_for(self, url: URL) -> dict[str, str]:
        """The vendor's auth headers, for its own origin only."""
        return self._credentials if same_origin(url, self._origin) else {}

    async def _answer(self, response: aiohttp.ClientResponse) -> tuple[Outcome, str]:
        """Read the body within the cap and judge it (``bodies.py``).

        A body whose declared length is within the cap is read at once (aiohttp reads
        no further than the length); one of unknown length, as it arrives.
        """
        declared, cap = response.content_length, self._settings.max_response_bytes
        try:
            if declared is not None and declared <= cap:
                raw = await response.read()
            else:
                raw = await read_capped(response.content.iter_any(), declared, cap)
        except BodyTooLarge as e:
            response.close()
            return Outcome(failure=Failure.TOO_LARGE, detail=str(e)), ""
        outcome = Outcome(status=response.status, retry_after=response.headers.get("Retry-After"))
        if not outcome.succeeded:
            return outcome, diagnostic_text(raw)
        try:
            return outcome, answer_text(raw, response.content_type, response.charset)
        except MalformedBody as e:
            return Outcome(failure=Failure.MALFORMED, detail=f"{response.status}: {e}"), ""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
