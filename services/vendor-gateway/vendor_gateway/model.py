"""The messages the gateway's decision pieces share: a vendor request and what came back.

One frozen dataclass per message with keyword fields, so fields can be added later
without breaking callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


class Lane(StrEnum):
    """Who is waiting: a workflow (sync) or nobody in particular (async batch)."""

    SYNC = "sync"
    ASYNC = "async"


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorRequest:
    """One call to a vendor, as read from ``vendor.requests``.

    ``deadline`` is a Unix time (it travels between processes); past it the answer
    is no longer wanted. ``reply_to`` is the key the response is published
    under (the order or execution), ``None`` for fire-and-forget.
    """

    request_id: str
    vendor: str
    operation: str
    method: str
    path: str
    lane: Lane
    body: Any = None
    idempotency_key: str | None = None
    deadline: float | None = None
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def safe_to_repeat(self) -> bool:
        """Whether sending it twice cannot cause a second side effect at the vendor."""
        return self.method.upper() in IDEMPOTENT_METHODS or self.idempotency_key is not None


class Failure(StrEnum):
    """How an attempt failed when no HTTP status came back, or came back unusable.

    ``CONNECT`` means the request never left (refused, DNS, TLS): nothing can have
    happened at the vendor. ``TIMEOUT`` and ``DISCONNECT`` mean it may have; these
    three are transient. The others are answers the gateway refuses (``calls.py``
    says which and why): trying again would get the same answer.
    """

    CONNECT = "connect"
    TIMEOUT = "timeout"
    DISCONNECT = "disconnect"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    CROSS_ORIGIN_REDIRECT = "cross_origin_redirect"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"


TRANSIENT_FAILURES = frozenset({Failure.CONNECT, Failure.TIMEOUT, Failure.DISCONNECT})

ERROR_NAMES = {
    Failure.CONNECT: "Unavailable",
    Failure.TIMEOUT: "Timeout",
    Failure.DISCONNECT: "ConnectionReset",
    Failure.REDIRECT_LOOP: "RedirectLoop",
    Failure.TOO_MANY_REDIRECTS: "TooManyRedirects",
    Failure.CROSS_ORIGIN_REDIRECT: "CrossOriginRedirect",
    Failure.TOO_LARGE: "ResponseTooLarge",
    Failure.MALFORMED: "MalformedResponse",
}
"""The ASL error name of each failure, after the vendor's prefix: ``ERP.RedirectLoop``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one attempt produced: an HTTP status, or a failure without one (and why)."""

    status: int | None = None
    failure: Failure | None = None
    retry_after: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if (self.status is None) == (self.failure is None):
            raise ValueError("an outcome has exactly one of status and failure")

    @property
    def succeeded(self) -> bool:
        """A 2xx or 3xx answer: the vendor did what was asked."""
        return self.status is not None and self.status < 400
