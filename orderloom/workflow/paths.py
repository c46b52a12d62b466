"""JSONPath in ASL's JSONPath mode, compiled once at definition load.

Reference paths (`$`, `$.a.b`, `$['a'][0]`) are evaluated by a few dictionary look-ups, which is
what nearly every real definition uses; anything richer (wildcards, slices, filters, `..`) is
handed to jsonpath-ng and yields the list of its matches, as the specification says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.ext.parser import parse as _parse_jsonpath

from orderloom.workflow.errors import PathMissing

Step = str | int

_DOT = re.compile(r"\.([^.\[\]]+)")
_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"""\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")


def _reference_steps(body: str) -> tuple[Step, ...] | None:
    """The steps of a reference path after its `$`, or None if it is not one."""
    steps: list[Step] = []
    pos = 0
    while pos < len(body):
        for pattern in (_DOT, _INDEX, _QUOTED):
            m = pattern.match(body, pos)
            if m:
                break
        else:
            return None
        if pattern is _INDEX:
            steps.append(int(m.group(1)))
        elif pattern is _QUOTED:
            steps.append(m.group(1) if m.group(1) is not None else m.group(2))
        else:
            name = m.group(1)
            if name in ("*", "") or name.startswith("@"):
                return None
            steps.append(name)
        pos = m.end()
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled path; `context` paths (`$$...`) read the context object instead of the data."""

    text: str
    context: bool
    steps: tuple[Step, ...] | None
    query: Any = None

    @property
    def is_reference(self) -> bool:
        return self.steps is not None

    def get(self, data: Any) -> Any:
        """The selected value; raises PathMissing when a reference path selects nothing."""
        if self.steps is None:
            return [match.value for match in self.query.find(data)]
        value = data
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    raise PathMissing(self.text)
            elif not isinstance(value, dict) or step not in value:
                raise PathMissing(self.text)
            value = value[step]
        return value

    def exists(self, data: Any) -> bool:
        try:
            found = self.get(data)
        except PathMissing:
            return False
        return self.steps is not None or bool(found)


def compile_path(text: str) -> Path:
    """Compile a path; raises ValueError with the reason when it is not one."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise ValueError(f"{text!r} is not a path (paths start with '$')")
    context = text.startswith("$$")
    body = text[2:] if context else text[1:]
    steps = _reference_steps(body)
    if steps is not None:
        return Path(text, context, steps)
    if "=~" in body or "`" in body:
        raise ValueError(
            f"{text!r}: regular expression filters and `extensions` are not supported "
            "(a pattern from a definition could take exponential time on some data)"
        )
    try:
        query = _parse_jsonpath("$" + body)
    except Exception as exc:  # jsonpath-ng raises bare Exception subclasses of many kinds
        raise ValueError(f"{text!r} is not a valid JSONPath: {exc}") from exc
    return Path(text, context, None, query)


def compile_reference_path(text: str) -> Path:
    """Compile a path that must name a single node (ResultPath, ItemsPath, *Path fields)."""
    path = compile_path(text)
    if not path.is_reference:
        raise ValueError(f"{text!r} is not a reference path (no wildcards, slices or filters)")
    return path


def set_path(data: Any, steps: tuple[Step, ...], value: Any) -> Any:
    """Return `data` with `value` placed at `steps`, copying only the containers on the way.

    Missing objects on the way are created; raises PathMissing when the way runs through a
    value that is not an object (or an array, for an index step).
    """
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    if isinstance(head, int):
        if not isinstance(data, list) or head >= len(data):
            raise PathMissing(f"index {head}")
        copied_list = list(data)
        copied_list[head] = set_path(data[head], rest, value)
        return copied_list
    if not isinstance(data, dict):
        raise PathMissing(f"field {head!r}")
    copied = dict(data)
    copied[head] = set_path(data.get(head, {}) if rest else None, rest, value)
    return copied
