"""The intrinsic functions themselves; randomness comes from the caller's deterministic entropy."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from orderloom.workflow.limits import RANGE_ITEMS, VALUE_CHARS


class Scope(Protocol):
    """What an evaluation may read: the data, the context object and deterministic entropy."""

    @property
    def data(self) -> Any: ...

    def context(self) -> Any: ...

    def entropy(self) -> bytes: ...

    def size(self, value: Any) -> int:
        """The JSON size of `value` in characters, measured without writing its text."""
        ...


Function = Callable[[list[Any], Scope], Any]

_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def format_json(value: Any) -> str:
    """Compact JSON text, as Step Functions prints values into strings."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _arity(values: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(values) <= high:
        raise ValueError(f"takes {low}..{high} arguments, got {len(values)}")


_INT64 = 2**63


def _integer(value: Any, what: str) -> int:
    """An integer argument, within 64 bits so that results stay numbers JSON tools can read."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{what} must be an integer, got {format_json(value)}")
    if not -_INT64 <= value < _INT64:
        raise ValueError(f"{what} must be a 64-bit integer")
    return int(value)


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected an array, got {format_json(value)}")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {format_json(value)}")
    return value


def _within(chars: int, what: str) -> None:
    """Refuse to build a result of `chars` JSON characters above VALUE_CHARS."""
    if chars > VALUE_CHARS:
        raise ValueError(f"{what} would be {chars} characters of JSON, more than {VALUE_CHARS}")


def _string_to_json(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    return json.loads(_string(values[0]))


def _json_to_string(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    _within(scope.size(values[0]), "the text")
    return format_json(values[0])


def _array_partition(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    items, size = _array(values[0]), _integer(values[1], "chunk size")
    if size <= 0:
        raise ValueError("chunk size must be positive")
    _within(scope.size(items) + 3 * (len(items) // size + 1), "the partitioned array")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _array_of(values: list[Any], scope: Scope) -> Any:
    _within(sum(scope.size(value) + 1 for value in values) + 1, "the array")
    return list(values)


def _array_contains(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    return values[1] in _array(values[0])


def _array_range(values: list[Any], scope: Scope) -> Any:
    _arity(values, 3)
    start, end, step = (_integer(v, "range bound") for v in values)
    if step == 0:
        raise ValueError("step must not be 0")
    count = max(0, (end - start) // step + 1)
    if count > RANGE_ITEMS:
        raise ValueError(f"the range would hold {count} items; at most {RANGE_ITEMS} are allowed")
    return [start + i * step for i in range(count)]


def _array_get_item(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    items, index = _array(values[0]), _integer(values[1], "index")
    if not 0 <= index < len(items):
        raise ValueError(f"index {index} is out of range")
    return items[index]


def _array_length(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    return len(_array(values[0]))


def _array_unique(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    _within(scope.size(values[0]), "the array's items")
    seen: set[str] = set()
    unique = []
    for item in _array(values[0]):
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _base64_encode(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    data = _string(values[0]).encode()
    _within(4 * (len(data) // 3 + 1) + 2, "the encoded text")
    return base64.b64encode(data).decode("ascii")


def _base64_decode(values: list[Any], scope: Scope) -> Any:
    _arity(values, 1)
    return base64.b64decode(_string(values[0]), validate=True).decode()


def _hash(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    data, algorithm = values
    if algorithm not in _HASHES:
        raise ValueError(f"algorithm must be one of {', '.join(_HASHES)}")
    if not isinstance(data, str):
        _within(scope.size(data), "the hashed text")
    text = data if isinstance(data, str) else format_json(data)
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(values: list[Any], scope: Scope) -> Any:
    _arity(values, 3)
    left, right, deep = values
    if not isinstance(left, dict) or not isinstance(right, dict) or deep is not False:
        raise ValueError("merges two objects, shallowly (the third argument must be false)")
    return {**left, **right}


def _math_random(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2, 3)
    start, end = _integer(values[0], "start"), _integer(values[1], "end")
    if end <= start:
        raise ValueError("end must be greater than start")
    if len(values) == 3:
        seed = str(_integer(values[2], "seed")).encode()
        entropy = hashlib.sha256(b"States.MathRandom:" + seed).digest()
    else:
        entropy = scope.entropy()
    return start + int.from_bytes(entropy[:8], "big") % (end - start)


def _math_add(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    return _integer(values[0], "first operand") + _integer(values[1], "second operand")


def _string_split(values: list[Any], scope: Scope) -> Any:
    _arity(values, 2)
    text, delimiters = _string(values[0]), _string(values[1])
    if not delimiters:
        return [text] if text else []
    cut = re.compile("[" + "".join(re.escape(d) for d in set(delimiters)) + "]")
    cuts = sum(1 for _ in cut.finditer(text))
    _within(len(text) + 3 * (cuts + 1), "the split array")
    return [piece for piece in cut.split(text) if piece]


def _uuid(values: list[Any], scope: Scope) -> Any:
    _arity(values, 0)
    return str(uuid.UUID(bytes=scope.entropy()[:16], version=4))


FUNCTIONS: dict[str, Function] = {
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array_of,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
