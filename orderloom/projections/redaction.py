"""Payment secrets and card numbers replaced by a marker before they reach a read model.

Two rules, neither knowing any order type:

- a value under a key that names a secret (``payment_token``, ``card_number``, ``cvv``, ...,
  spelt in snake, kebab, camel, Pascal, flat or upper case) is replaced whatever it holds;
- in any string, a standalone run of 13-19 digits, contiguous or in card groups (4-4-4-4,
  4-4-4-4-3, 4-6-5, 4-6-4, spaces or dashes), that starts like a card network's number, has a
  length that network issues and passes the Luhn check, is replaced by ``[redacted …4242]``.
  Digits joined to letters, ``-``, ``_`` or ``/`` belong to an identifier
  (``order-acme-820982911946154508``, ``gid://shopify/Order/…``) and JSON numbers are amounts
  and ids: both are left. A string that is nothing but such a number is redacted; a 64-bit
  id sent as a string passes for one only with a network's prefix and length and the Luhn
  check (one in ten of those).

A marker is left as it is, so redacting twice changes nothing. The projector runs this on
every history event, so it is kept cheap: keys are compared as a set at each object, and
strings are searched only when the document's text has a run of digits shaped like a card
(``may_hold_card``, a byte translation and one search).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

T = TypeVar("T")
MARKER = "[redacted]"
SECRET_KEYS: tuple[tuple[str, ...], ...] = (
    ("payment", "token"),
    ("token",),
    ("card", "number"),
    ("card", "no"),
    ("pan",),
    ("cvv",),
    ("cvv2",),
    ("cvc",),
    ("cvc2",),
    ("security", "code"),
    ("card", "security", "code"),
    ("access", "token"),
    ("refresh", "token"),
    ("api", "key"),
    ("password",),
    ("secret",),
    ("client", "secret"),
)


def _spellings(words: tuple[str, ...]) -> set[str]:
    first, *rest = words
    camel = first + "".join(w.capitalize() for w in rest)
    snake, kebab = "_".join(words), "-".join(words)
    return {
        snake,
        kebab,
        "".join(words),
        camel,
        camel[0].upper() + camel[1:],
        snake.upper(),
        "".join(words).upper(),
        "-".join(w.capitalize() for w in words),
    }


SECRET_SPELLINGS = frozenset(s for words in SECRET_KEYS for s in _spellings(words))
_RUN = (
    r"(?:[0-9]{13,19}"
    r"|[0-9]{4}(?P<g>[ -])[0-9]{4}(?P=g)[0-9]{4}(?P=g)[0-9]{4}(?:(?P=g)[0-9]{3})?"
    r"|[0-9]{4}(?P<a>[ -])[0-9]{6}(?P=a)[0-9]{4,5})"
)
_CARD = re.compile(r"(?<![\w/-])" + _RUN + r"(?![\w/-])(?!\.[0-9])", re.ASCII)
_A_MARKER = re.compile(r"\[redacted(?: …[^\]]{1,4})?\]")
# A document's text as shapes: digits become 0; letters, _ and / (which join an identifier)
# become a; the separators a card may have and the backslash of an escape stay; the rest is .
_SHAPES = bytes(
    ord("0")
    if chr(b).isdigit()
    else ord("a")
    if chr(b).isalpha() or chr(b) in "_/"
    else b
    if chr(b) in " -\\"
    else ord(".")
    for b in range(256)
)
_CARD_SHAPE = re.compile(
    rb"0000(?:(?<![0a-]0000)|(?<=\\a0000))"
    rb"(?:[ -]?0000[ -]?0000[ -]?0|[ -]?000000[ -]?0000)"
)


def may_hold_card(text: str) -> bool:
    """Whether a JSON document's text has a standalone run of digits shaped like a card number
    (when false, none of its strings holds one; a run may follow an escape such as ``\\n``,
    a line break in the string; text with ``\\u`` escapes, which the runner does not write,
    counts as shaped). Near C speed: the projector asks this of every event."""
    if "\\u" in text:
        return True
    return _CARD_SHAPE.search(text.encode("ascii", "replace").translate(_SHAPES)) is not None


def redact(value: T, *, cards: bool = True) -> T:
    """``value`` with secrets (and, unless ``cards`` is false, card numbers) replaced; the
    very same object when there was nothing to replace, so a caller can tell by identity."""
    found: T = _redacted(value, cards)
    return found


def _redacted(value: Any, cards: bool) -> Any:
    kind = type(value)
    if kind is dict:
        return _redact_dict(value, cards)
    if kind is list:
        items = [_redacted(item, cards) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if cards and kind is str and len(value) >= 13 and _CARD.search(value):
        cleaned = _CARD.sub(_card_marker, value)
        return value if cleaned == value else cleaned
    return value


def _redact_dict(value: dict[Any, Any], cards: bool) -> dict[Any, Any]:
    changed: dict[Any, Any] | None = None
    secrets = not SECRET_SPELLINGS.isdisjoint(value)
    for key, item in value.items():
        if secrets and key in SECRET_SPELLINGS:
            new = _hidden(item)
        elif type(item) in _WALKED or (cards and type(item) is str):
            new = _redacted(item, cards)
        else:
            continue
        if new is not item:
            changed = changed if changed is not None else dict(value)
            changed[key] = new
    return value if changed is None else changed


_WALKED = frozenset({dict, list})


def is_card_number(digits: str) -> bool:
    """A network's prefix, a length it issues, and the Luhn check."""
    return _network_length(digits) and _luhn(digits)


def _hidden(value: Any) -> Any:
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, str) and _A_MARKER.fullmatch(value):
        return value
    shown = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    return f"[redacted …{shown[-4:]}]" if len(shown) >= 12 else MARKER


def _card_marker(found: re.Match[str]) -> str:
    digits = found[0].replace(" ", "").replace("-", "")
    return f"[redacted …{digits[-4:]}]" if is_card_number(digits) else found[0]


def _network_length(d: str) -> bool:
    n, two, three, four = len(d), int(d[:2]), int(d[:3]), int(d[:4])
    if d[0] == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if two in (36, 38, 39) or 300 <= three <= 305:
        return 14 <= n <= 19
    if 3528 <= four <= 3589:
        return 16 <= n <= 19
    if two == 50 or 56 <= two <= 69:
        return 16 <= n <= 19
    return False


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = ord(c) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0
