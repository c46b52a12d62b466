"""Security headers on every response the console sends.

The pages carry no script at all and load styles and images from the console itself, so the
policy allows nothing else; FastAPI's own API docs pages load Swagger UI and ReDoc from their
CDN with an inline start-up script, so they get a policy of their own that allows just that.
Nothing may frame the console (clickjacking), and over HTTPS browsers are told to stay on it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGES_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_DOCS_CDN};"
    f" style-src 'self' 'unsafe-inline' {_DOCS_CDN}; img-src 'self' data: https:;"
    " worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS = ("/docs", "/redoc")


def security_headers(path: str, https: bool) -> dict[str, str]:
    """The headers a response to ``path`` carries."""
    found = {
        "Content-Security-Policy": DOCS_POLICY if path.startswith(_DOCS) else PAGES_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        found["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return found


class SecurityHeaders:
    """ASGI middleware adding ``security_headers`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers(scope["path"], scope.get("scheme") == "https")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(added)
            await send(message)

        await self.app(scope, receive, with_headers)
