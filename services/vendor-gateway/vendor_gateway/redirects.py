"""Whether to follow a vendor's redirect: only within its origin, a bounded number of times.

The vendor's credentials go with every request the gateway sends it, so a request
only ever goes to the vendor's origin (scheme, host and port). A redirect to another
origin is not followed at all, with or without credentials: a vendor that moved is
moved in the configuration, not by its own answer. Within the origin, a redirect is
followed at most ``max_redirects`` times, and a URL asked twice is a loop. As HTTP
clients do (RFC 9110 15.4), a 303 turns the method into GET (HEAD stays HEAD) and a
301 or 302 turns a POST into GET, both without the body; 307 and 308 repeat the
method and the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yarl import URL

from vendor_gateway.model import Failure

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Origin = tuple[str, str, int | None]


def origin(url: URL) -> Origin:
    """Scheme, host and port (the scheme's default when not written) of ``url``."""
    return url.scheme.lower(), (url.host or "").lower(), url.port


def same_origin(url: URL, of: URL) -> bool:
    """Whether ``url`` is on the origin of ``of``: the only place credentials may go."""
    return url.is_absolute() and origin(url) == origin(of)


@dataclass(frozen=True, slots=True)
class Hop:
    """The next request of a followed redirect."""

    url: URL
    method: str
    keeps_body: bool


@dataclass(frozen=True, slots=True)
class Refused:
    """A redirect not followed, as the failure it ends the attempt with."""

    failure: Failure
    detail: str


def next_hop(
    status: int, location: str | None, visited: Sequence[URL], method: str, max_redirects: int
) -> Hop | Refused:
    """Where a ``status`` answer with ``location`` to a request of ``visited[-1]`` leads.

    ``visited`` holds every URL asked in this attempt, the vendor's first; the
    redirects followed so far are ``len(visited) - 1``.
    """
    if not location:
        return Refused(Failure.MALFORMED, f"a {status} redirect without a Location header")
    current = visited[-1]
    try:
        target = current.join(URL(location)).with_fragment(None)
    except ValueError:
        return Refused(Failure.MALFORMED, f"a {status} redirect to an unreadable Location")
    if not same_origin(target, visited[0]):
        where = f"{target.scheme}://{target.host}:{target.port}"
        return Refused(
            Failure.CROSS_ORIGIN_REDIRECT, f"a {status} redirect to {where}, another origin"
        )
    if target in visited:
        return Refused(Failure.REDIRECT_LOOP, f"a {status} redirect back to {target.path_qs}")
    if len(visited) - 1 >= max_redirects:
        return Refused(
            Failure.TOO_MANY_REDIRECTS,
            f"a {status} redirect after {len(visited) - 1} (at most {max_redirects} followed)",
        )
    upper = method.upper()
    if (status == 303 and upper != "HEAD") or (status in (301, 302) and upper == "POST"):
        return Hop(target, "GET", keeps_body=False)
    return Hop(target, upper, keeps_body=True)
