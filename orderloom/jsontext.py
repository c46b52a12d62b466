"""JSON text for what the engine writes and reads on every step (histories, snapshots,
task inputs and outputs).

orjson, because encoding and decoding are much of a runner's and a projector's CPU, and it
reads and writes the same values; the standard library for what orjson refuses (integers
beyond 64 bits, keys that are not strings, NaN), so any document JSON can carry still goes
through, and text that is not JSON fails with ``json.JSONDecodeError`` either way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dump_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact UTF-8 JSON of ``value``."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:
        text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)
        return text.encode()


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text of ``value``."""
    return dump_bytes(value, sort_keys=sort_keys).decode()


def loads(text: str | bytes) -> Any:
    """The value of JSON ``text``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
