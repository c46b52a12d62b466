"""One attempt at the vendor over HTTP, turned into an ``Outcome`` the policies judge.

Failures are sorted by whether the request can have reached the vendor: a refused
connection cannot (always safe to retry), a timeout or a dropped connection can.
"""

from __future__ import annotations

import httpx

from vendor_gateway.config import VendorSettings
from vendor_gateway.model import Failure, Outcome, VendorRequest


def client_for(settings: VendorSettings, headers: dict[str, str]) -> httpx.AsyncClient:
    """The vendor's HTTP client: never more connections than the cap, kept alive for reuse.

    ``pool=None``: waiting for a connection cannot happen, admission already holds
    a slot for every request sent.
    """
    return httpx.AsyncClient(
        base_url=settings.base_url,
        headers=headers,
        limits=httpx.Limits(max_connections=settings.cap, max_keepalive_connections=settings.cap),
        timeout=httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.connect_timeout_s,
            pool=None,
        ),
    )


async def send(client: httpx.AsyncClient, request: VendorRequest) -> tuple[Outcome, str]:
    """Send ``request`` once; the outcome and the body text (empty without an answer)."""
    content = None if request.body is None else str(request.body).encode()
    headers = dict(request.headers)
    if content is not None:
        headers["Content-Type"] = "application/json"
    try:
        response = await client.request(
            request.method, request.path, content=content, headers=headers
        )
    except (httpx.ConnectError, httpx.ConnectTimeout):
        return Outcome(failure=Failure.CONNECT), ""
    except httpx.TimeoutException:
        return Outcome(failure=Failure.TIMEOUT), ""
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        return Outcome(failure=Failure.DISCONNECT), ""
    return (
        Outcome(status=response.status_code, retry_after=response.headers.get("retry-after")),
        response.text,
    )
