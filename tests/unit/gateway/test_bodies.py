from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vendor_gateway.bodies import (
    BodyTooLarge,
    MalformedBody,
    answer_text,
    diagnostic_text,
    read_capped,
)


class Chunks:
    """An endless body of ``size``-byte chunks that counts what was taken from it."""

    def __init__(self, size: int, count: int | None = None) -> None:
        self.size, self.count, self.taken = size, count, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.count is None or self.taken < self.count:
            self.taken += 1
            yield b"x" * self.size


@pytest.mark.anyio
async def test_a_body_within_the_cap_is_read_whole() -> None:
    assert await read_capped(Chunks(10, count=3), 30, cap=30) == b"x" * 30


@pytest.mark.anyio
async def test_an_endless_body_is_refused_once_over_the_cap_without_reading_on() -> None:
    chunks = Chunks(1000)
    with pytest.raises(BodyTooLarge, match="passed the cap of 4096"):
        await read_capped(chunks, None, cap=4096)
    assert chunks.taken == 5


@pytest.mark.anyio
async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    chunks = Chunks(10)
    with pytest.raises(BodyTooLarge, match="declares 5000 bytes"):
        await read_capped(chunks, 5000, cap=4096)
    assert chunks.taken == 0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    ("raw", "content_type", "charset"),
    [
        (b'{"id": "\xc3\xa9"}', "application/json", None),
        (b'{"id": 123456789012345678901234567890}', "application/json", None),
        (b'{"id": "\\\\u0000 is text"}', "application/json", None),
        (b"", "application/json", None),
        (b"plain text", "text/plain", None),
        (b"caf\xe9", "text/plain", "latin-1"),
        (b"[1, 2]", "application/problem+json", "utf-8"),
    ],
)
def test_bodies_that_travel_on(raw: bytes, content_type: str, charset: str | None) -> None:
    assert answer_text(raw, content_type, charset) == raw.decode(charset or "utf-8")


@pytest.mark.parametrize(
    ("raw", "content_type", "charset", "why"),
    [
        (b'{"id": "a\x00b"}', "application/json", None, "NUL"),
        (b"a\x00b", "text/plain", None, "NUL"),
        (b'{"id": "a\\u0000b"}', "application/json", None, "NUL"),
        (b'{"a\\u0000": 1}', "application/json", None, "NUL"),
        (b'{"id": "caf\xe9"}', "application/json", None, "not valid utf-8"),
        (b"{'id': 1}", "application/json", None, "not the JSON"),
        (b"<html>", "application/vnd.api+json", None, "not the JSON"),
        (b'{"total": NaN}', "application/json", None, "not the JSON"),
        (b'{"name": "\\ud800"}', "application/json", None, "not the JSON"),
        (b"{}", "application/json", "no-such-charset", "unknown"),
    ],
)
def test_bodies_that_are_refused(
    raw: bytes, content_type: str, charset: str | None, why: str
) -> None:
    with pytest.raises(MalformedBody, match=why):
        answer_text(raw, content_type, charset)


def test_an_error_body_is_kept_for_the_cause_without_nuls_or_bad_bytes() -> None:
    assert diagnostic_text(b"bad\x00 caf\xe9") == "bad caf\ufffd"
