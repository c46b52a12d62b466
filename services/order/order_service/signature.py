"""Webhook signatures exactly as Shopify computes them, so a real store can call us.

``X-Shopify-Hmac-Sha256`` is the base64 of HMAC-SHA256 over the raw request body,
keyed with the app's shared secret. It is checked against the bytes received, before
any parsing, and compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: bytes, body: bytes) -> str:
    """The header value a storefront sends with ``body``."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode("ascii")


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body``; a missing header is not."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode("ascii"), header.strip().encode())
