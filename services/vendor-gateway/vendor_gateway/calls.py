"""One attempt at the vendor over HTTP, turned into an ``Outcome`` the policies judge.

Failures are sorted by whether the request can have reached the vendor: a refused
connection cannot (always safe to retry), a timeout or a dropped connection can.
aiohttp because the gateway's CPU goes into its HTTP client: per request it costs a
fraction of what httpx does, and that is the gateway's throughput on a small machine.
"""

from __future__ import annotations

import aiohttp

from vendor_gateway.config import VendorSettings
from vendor_gateway.model import Failure, Outcome, VendorRequest


class VendorClient:
    """The vendor's HTTP client: never more connections than the cap, kept alive for reuse.

    Waiting for a connection cannot happen: admission already holds a slot for every
    request sent, and there are as many connections as slots.
    """

    def __init__(self, settings: VendorSettings, headers: dict[str, str]) -> None:
        self._base = settings.base_url.rstrip("/")
        self._settings, self._headers = settings, headers
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp wants the running loop."""
        if self._session is None:
            cap = self._settings.cap
            self._session = aiohttp.ClientSession(
                headers=self._headers,
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
        try:
            async with self._opened().request(
                request.method, self._base + request.path, data=content, headers=headers
            ) as response:
                body = (await response.read()).decode("utf-8", "replace")
                retry_after = response.headers.get("Retry-After")
                return Outcome(status=response.status, retry_after=retry_after), body
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
            return Outcome(failure=Failure.CONNECT), ""
        except TimeoutError:
            return Outcome(failure=Failure.TIMEOUT), ""
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError):
            return Outcome(failure=Failure.DISCONNECT), ""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
