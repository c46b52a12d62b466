"""What a hostile or broken vendor answers, for rehearsing what its clients do with it.

Set ``misbehave`` at launch or through ``POST /control``; while it is set, every API
request the vendor admits (within the cap, not down, not rate limited) gets this
answer instead of being served. The answer is raw bytes on the socket (h11 would
refuse to write most of them), after which the connection is closed, or reset.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Misbehaviour(StrEnum):
    """The answers; redirects stay within the vendor unless they say otherwise."""

    REDIRECT_LOOP = "redirect_loop"  # 302 from a path to /looped/<path> and back, for ever
    REDIRECT_CHAIN = "redirect_chain"  # 302 to /hop/<n+1>/<path>, a new URL each time
    REDIRECT_AWAY = "redirect_away"  # 307 to the same path on ``redirect_to``, another origin
    MOVED = "moved"  # 308 once to /moved/<path>, which is served as usual
    HUGE_BODY = "huge_body"  # 200 with a chunked body of ``huge_bytes``, no length said
    NUL_BODY = "nul_body"  # 200 with JSON holding a raw NUL byte
    NOT_UTF8 = "not_utf8"  # 200 with a body labelled UTF-8 that is Latin-1
    BAD_JSON = "bad_json"  # 200 application/json that is not JSON
    BAD_HEADER = "bad_header"  # 200 with a header value holding a NUL byte
    RESET = "reset"  # 200 with a tenth of its declared body, then a TCP reset
    CUT_OFF = "cut_off"  # 200 with a tenth of its declared body, then the connection closed
    SLOW_BODY = "slow_body"  # 200 with a body of 100 bytes, one every ``slow_interval``


@dataclass(frozen=True, slots=True)
class Raw:
    """Bytes to write as they are: ``head``, ``count`` times ``chunk`` (``interval`` real
    seconds before each), ``tail``; then close, or reset if ``reset``. ``on_cut`` is
    told when the client hung up before the end."""

    status: int
    head: bytes
    chunk: bytes = b""
    count: int = 0
    interval: float = 0.0
    tail: bytes = b""
    reset: bool = False
    on_cut: Callable[[], None] | None = None


CHUNK = 64 * 1024
SLOW_BYTES = 100


def answer(
    kind: Misbehaviour,
    target: str,
    *,
    redirect_to: str | None,
    huge_bytes: int,
    slow_interval: float,
) -> Raw | None:
    """The raw answer to a request of ``target`` (path and query); ``None``: serve it."""
    if kind is Misbehaviour.REDIRECT_LOOP:
        back = target.removeprefix("/looped")
        return _redirect(302, back if back != target else "/looped" + target)
    if kind is Misbehaviour.REDIRECT_CHAIN:
        hops, _, rest = target.removeprefix("/hop/").partition("/")
        if target.startswith("/hop/") and hops.isdigit():
            return _redirect(302, f"/hop/{int(hops) + 1}/{rest}")
        return _redirect(302, "/hop/1" + target)
    if kind is Misbehaviour.REDIRECT_AWAY:
        return _redirect(307, (redirect_to or "").rstrip("/") + target)
    if kind is Misbehaviour.MOVED:
        return None if target.startswith("/moved/") else _redirect(308, "/moved" + target)
    if kind is Misbehaviour.HUGE_BODY:
        head = _head(200, "application/json", b"transfer-encoding: chunked\r\n")
        chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
        return Raw(200, head, chunk, math.ceil(huge_bytes / CHUNK), tail=b"2\r\n{}\r\n0\r\n\r\n")
    if kind in (Misbehaviour.RESET, Misbehaviour.CUT_OFF):
        head = _head(200, "application/json", b"content-length: 1000\r\n")
        return Raw(200, head, tail=b" " * 100, reset=kind is Misbehaviour.RESET)
    if kind is Misbehaviour.SLOW_BODY:
        length = b"content-length: %d\r\n" % (SLOW_BYTES + 2)
        head = _head(200, "application/json", length)
        return Raw(200, head, b" ", SLOW_BYTES, slow_interval, tail=b"{}")
    body, content_type, extra = _BROKEN[kind]
    length = b"content-length: %d\r\n" % len(body)
    return Raw(200, _head(200, content_type, length + extra), tail=body)


_BROKEN = {
    Misbehaviour.NUL_BODY: (b'{"id": "a\x00b"}', "application/json", b""),
    Misbehaviour.NOT_UTF8: (b'{"name": "caf\xe9"}', "application/json; charset=utf-8", b""),
    Misbehaviour.BAD_JSON: (b"{'id': 1,", "application/json", b""),
    Misbehaviour.BAD_HEADER: (b"{}", "application/json", b"x-note: a\x00b\r\n"),
}


def _redirect(status: int, location: str) -> Raw:
    extra = b"location: %s\r\ncontent-length: 0\r\n" % location.encode("latin-1", "replace")
    return Raw(status, _head(status, "application/json", extra))


def _head(status: int, content_type: str, extra: bytes) -> bytes:
    return b"HTTP/1.1 %d Misbehaving\r\ncontent-type: %s\r\nconnection: close\r\n%s\r\n" % (
        status,
        content_type.encode(),
        extra,
    )
