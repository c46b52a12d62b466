"""How much one execution may build and how far ahead it may wait.

Definitions come from users and inputs from storefronts, so neither may make the runner build
what it cannot hold or encode. Sizes are checked before the thing is built; times are bounded
so that ``now + seconds`` stays an Avro long in milliseconds and a ``datetime`` (year 9999).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_SECONDS = 99_999_999
"""The most seconds a definition or a path may give (Wait, TimeoutSeconds, HeartbeatSeconds,
retry intervals, attempts): Step Functions documents 0..99999999 for a Wait's Seconds
(docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-wait-state.html); the
same bound serves every count of seconds here. About 3.2 years."""

MAX_EPOCH_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z, the last instant a ``datetime`` holds; no timer falls later."""

RANGE_ITEMS = 1000
"""States.ArrayRange's most items, as Step Functions documents it
(docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html: "The newly generated
array can't contain more than 1000 items")."""

VALUE_CHARS = 2 * 1024 * 1024
"""The most JSON characters of one value an intrinsic builds or a state passes on: a snapshot
on ``workflow.snapshots`` (16 MiB) holds a state's input, its effective input, a Map's items
and results, and the inputs of its iterations, each up to this."""

PATTERN_CHARS = 1024
"""The longest StringMatches pattern a definition may give."""

DEFINITION_DEPTH = 200
"""The deepest a definition's JSON may nest: templates and choice rules are walked by
recursion, which must stay well inside Python's limit."""

INTRINSIC_NESTING = 10
"""Intrinsic calls nested in one field, as Step Functions allows ("You can nest up to 10
intrinsic functions within a field")."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits the runner may configure; the defaults fit a 16 MiB snapshot."""

    map_items: int = 10_000
    """The most items one Map state iterates over."""
    map_chars: int = VALUE_CHARS
    """The most JSON characters a Map's items and its iterations' inputs may add up to."""
    frames: int = 20_000
    """The most frames (Map iterations, Parallel branches) one execution holds at once: each
    costs a few hundred characters of snapshot before its data."""


DEFAULT_LIMITS = Limits()


def _scalar_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value) + 2
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100000 + 1 + (value < 0)  # without the text
    return 24


class Sizes:
    """JSON sizes of values, each container measured once however often it is referenced:
    a value built by sharing (``States.Array($, $)`` again and again) is measured in the time
    its distinct parts take, not the time its text would take.

    Sizes count characters, escapes unwritten: a character takes one to six bytes of text,
    so a value at VALUE_CHARS still fits a snapshot."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, int]] = {}  # id -> (the value, kept alive; size)

    def of(self, value: Any) -> int:
        kind = type(value)
        if kind is not dict and kind is not list:
            return _scalar_size(value)
        try:
            return self._container(value)
        except RecursionError:
            return self._deep(value)

    def _container(self, node: dict[str, Any] | list[Any]) -> int:
        """The size of a container, recursively: the quick way for all but the deepest."""
        known = self._known.get(id(node))
        if known is not None:
            return known[1]
        total = 1 + (len(node) or 1)  # brackets and commas
        nested = False
        if isinstance(node, dict):
            for key, child in node.items():
                kind = type(child)
                if kind is str:
                    total += len(key) + len(child) + 5
                elif kind is dict or kind is list:
                    total += len(key) + 3 + self._container(child)
                    nested = True
                else:
                    total += len(key) + 3 + _scalar_size(child)
        else:
            for child in node:
                kind = type(child)
                if kind is str:
                    total += len(child) + 2
                elif kind is dict or kind is list:
                    total += self._container(child)
                    nested = True
                else:
                    total += _scalar_size(child)
        if nested:  # containers of scalars are cheap to measure again
            self._known[id(node)] = (node, total)
        return total

    def _deep(self, value: dict[str, Any] | list[Any]) -> int:
        """The same size without recursion, for values nested deeper than Python recurses."""
        known = self._known
        stack: list[tuple[Any, bool]] = [(value, False)]
        while stack:
            node, children_done = stack.pop()
            if id(node) in known:
                continue
            children = node.values() if isinstance(node, dict) else node
            if not children_done:
                stack.append((node, True))
                stack.extend(
                    (child, False)
                    for child in children
                    if isinstance(child, (dict, list)) and id(child) not in known
                )
                continue
            total = 1 + (len(node) or 1)
            for child in children:
                total += (
                    known[id(child)][1] if isinstance(child, (dict, list)) else _scalar_size(child)
                )
            if isinstance(node, dict):
                total += sum(len(key) + 3 for key in node)
            known[id(node)] = (node, total)
        return known[id(value)][1]
