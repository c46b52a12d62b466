"""A vendor's answer body: read up to a cap, then checked before it travels on.

A body is read as it arrives and refused once it passes the vendor's
``max_response_bytes`` (or declares more in its Content-Length), without reading
the rest: a vendor cannot make the gateway hold what it sends without end.

The body of a successful answer becomes a workflow's task output, stored in
PostgreSQL (text; json in the history) and carried in JSON, where a NUL cannot go
and where text that is not what it claims to be would be garbled silently. So such
a body is refused, never repaired, when it does not decode in its charset (UTF-8
unless its Content-Type names another), holds a NUL (raw, or ``\\u0000`` in JSON),
or is not JSON while its Content-Type says JSON (strictly: no NaN, no number past
a double, no lone surrogate; PostgreSQL or a JSON reader may refuse each). The body
of an error answer is only the cause of the failure, read by a person: it is decoded
with replacement characters and its NULs are dropped.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable
from typing import Any

import orjson


class BodyTooLarge(Exception):
    """The body passed the cap; the message says how it was found out."""


class MalformedBody(ValueError):
    """A successful answer's body that cannot travel on; the message says why."""


async def read_capped(chunks: AsyncIterable[bytes], declared: int | None, cap: int) -> bytes:
    """The body from ``chunks``, or ``BodyTooLarge`` as soon as it is over ``cap`` bytes.

    ``declared`` is the Content-Length, if sent: over the cap, nothing is read.
    """
    if declared is not None and declared > cap:
        raise BodyTooLarge(f"the body declares {declared} bytes, over the cap of {cap}")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"the body passed the cap of {cap} bytes")
        parts.append(chunk)
    return b"".join(parts)


def is_json_type(content_type: str) -> bool:
    """Whether a media type (lower case, without parameters) says the body is JSON."""
    return content_type == "application/json" or content_type.endswith("+json")


def answer_text(raw: bytes, content_type: str, charset: str | None) -> str:
    """The text of a successful answer's body, or ``MalformedBody`` saying why it is refused."""
    name = charset or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise MalformedBody(f"the body's charset {name!r} is unknown") from None
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as e:
        raise MalformedBody(f"the body is not valid {name} (at byte {e.start})") from None
    if "\x00" in text:
        raise MalformedBody("the body holds a NUL character")
    if not text or not is_json_type(content_type):
        return text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise MalformedBody(f"the body is not the JSON its Content-Type says: {e}") from None
    if "\\u0000" in text and _holds_nul(value):
        raise MalformedBody("the body's JSON holds a NUL character (\\u0000)")
    return text


def diagnostic_text(raw: bytes) -> str:
    """An error answer's body as text for a failure's cause: never refused, NULs dropped."""
    return raw.decode("utf-8", "replace").replace("\x00", "")


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
