"""What the system can hold, checked on the parsed webhook before anything else reads it.

A value the intake accepts must survive every later step: Avro ``long`` is signed 64-bit,
amounts become signed 64-bit minor units, PostgreSQL text cannot hold NUL, and Avro
strings are UTF-8 (a lone surrogate escape such as ``"\\ud800"`` parses but cannot be
encoded). Refusing such a body here, naming the field, keeps it from being half written
or from stopping a consumer later. Pure: the parsed JSON document in, problems out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

TOO_BIG = "the integer does not fit in a signed 64-bit integer"
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
AMOUNT_FIELDS = frozenset(
    {"amount", "price", "subtotal", "subtotal_price", "total_price", "total_tax"}
)
"""Keys whose values become minor units, wherever they are in the document."""
_SURELY_FITS = 15
"""A decimal string this short, without an exponent, has at most 15 digits: scaled by 10^3
it stays below 10^18, well within 2^63 (no need to parse it)."""
MAX_MINOR_EXPONENT = 3
"""The most decimals any currency's minor unit has (BHD, KWD, ...): an amount must fit
scaled by this much, whatever the currency, so the check needs no currency table."""


@dataclass(frozen=True)
class Unstorable:
    """A field whose value the system cannot hold, and why."""

    field: str
    message: str


def unstorable(document: Any, *, texts: bool = True) -> list[Unstorable]:
    """Every field of ``document`` (as ``json.loads`` returns it) the system cannot hold,
    keys included, in document order; empty when all of it can be stored. ``texts=False``
    skips the text checks: for a document parsed from JSON without any ``\\u`` escape,
    which cannot hold NUL or lone surrogates (JSON refuses raw control characters in
    strings, and UTF-8 cannot carry surrogates)."""
    text_problem = _text_problem if texts else _no_problem
    found: list[Unstorable] = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            children: list[tuple[str, Any]] = []
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                problem = text_problem(key)
                if problem:
                    found.append(Unstorable(_printable(child), f"the key {problem}"))
                    continue
                amount = _amount_problem(item) if key in AMOUNT_FIELDS else None
                if amount:
                    found.append(Unstorable(child, amount))
                    continue
                children.append((child, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                found.append(Unstorable(path or "(body)", f"the text {problem}"))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not INT64_MIN <= value <= INT64_MAX
        ):
            found.append(Unstorable(path or "(body)", TOO_BIG))
    return found


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which UTF-8 cannot encode"
    return None


def _no_problem(_text: str) -> None:
    return None


def _amount_problem(value: Any) -> str | None:
    """Why ``value`` cannot become signed 64-bit minor units; None if it can, or if it is no
    amount at all (the payload model says what is wrong with that)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, str) and len(value) <= _SURELY_FITS and "e" not in value.lower():
        return None
    if isinstance(value, str) and _text_problem(value):
        return f"the text {_text_problem(value)}"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    try:
        fits = INT64_MIN <= amount.scaleb(MAX_MINOR_EXPONENT) <= INT64_MAX
    except ArithmeticError:
        fits = False
    return None if fits else "the amount in minor units does not fit in a signed 64-bit integer"


def _printable(path: str) -> str:
    """A path safe to echo in an answer and a log line (its NULs shown as ``\\u0000``)."""
    return path.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
