"""Typed reads of one JSON object of a definition, each failure naming the state and field."""

from __future__ import annotations

from typing import Any, NoReturn

from orderloom.workflow.errors import ALL, DefinitionError
from orderloom.workflow.intrinsics import Call, parse_intrinsic
from orderloom.workflow.limits import MAX_SECONDS
from orderloom.workflow.paths import Path, compile_path, compile_reference_path
from orderloom.workflow.templates import Template, compile_template
from orderloom.workflow.timestamps import parse_timestamp

_IDENTITY = compile_path("$")


class Fields:
    """Reader over `raw` (a state, retrier, catcher...) that refuses fields not in `allowed`."""

    def __init__(self, raw: Any, state: str | None, prefix: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise DefinitionError(state, prefix.rstrip(".") or "Type", "must be an object")
        self.raw: dict[str, Any] = raw
        self.state = state
        self.prefix = prefix
        for key in raw:
            if key not in allowed:
                self.fail(key, "is not supported here")

    def fail(self, field: str, problem: str) -> NoReturn:
        raise DefinitionError(self.state, self.prefix + field, problem)

    def string(self, field: str) -> str | None:
        value = self.raw.get(field)
        if value is not None and not isinstance(value, str):
            self.fail(field, "must be a string")
        return value

    def number(self, field: str) -> float | None:
        value = self.raw.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.fail(field, "must be a number")
        return value

    def non_negative_int(self, field: str) -> int | None:
        value = self.raw.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            self.fail(field, "must be a non-negative integer")
        return value

    def positive_int(self, field: str) -> int | None:
        value = self.non_negative_int(field)
        if value == 0:
            self.fail(field, "must be a positive integer")
        return value

    def seconds(self, field: str, least: int = 1) -> int | None:
        """A count of seconds (or attempts) from `least` to MAX_SECONDS, so that a deadline
        computed from it stays within what a timer can hold."""
        value = self.raw.get(field)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not least <= value <= MAX_SECONDS
        ):
            self.fail(field, f"must be an integer from {least} to {MAX_SECONDS}")
        return value

    def timestamp(self, field: str) -> int | None:
        value = self.raw.get(field)
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            self.fail(field, f"{value!r} is not an RFC 3339 timestamp (like 2016-03-14T01:59:00Z)")
        return parsed

    def exclusive(self, *fields: str) -> None:
        present = [f for f in fields if f in self.raw]
        if len(present) > 1:
            self.fail(present[1], f"cannot be used together with {present[0]}")

    def exactly_one(self, *fields: str) -> str:
        self.exclusive(*fields)
        present = [f for f in fields if f in self.raw]
        if not present:
            self.fail(fields[0], f"one of {', '.join(fields)} is required")
        return present[0]

    def transition(self, kind: str) -> str | None:
        """The Next of a state; checks Next/End against what the state type allows."""
        target, end = self.raw.get("Next"), self.raw.get("End", False)
        if kind in ("Choice", "Succeed", "Fail"):
            return None
        if end not in (True, False):
            self.fail("End", "must be true or false")
        if (target is None) == (end is not True):
            self.fail("Next", "exactly one of Next or End: true is required")
        if target is not None and not isinstance(target, str):
            self.fail("Next", "must be a state name")
        return target

    def _path(self, field: str, reference: bool) -> Path | None:
        value = self.raw.get(field)
        if value is None:
            return None
        try:
            return compile_reference_path(value) if reference else compile_path(value)
        except ValueError as exc:
            self.fail(field, str(exc))

    def reference_path(self, field: str) -> Path | None:
        return self._path(field, True)

    def io_paths(self) -> dict[str, Any]:
        """InputPath/OutputPath; `$` compiles to None so the interpreter can skip it."""
        found: dict[str, Any] = {}
        for field, key in (("InputPath", "input"), ("OutputPath", "output")):
            if field in self.raw and self.raw[field] is None:
                found[f"{key}_null"] = True
            elif field in self.raw and self.raw[field] != "$":
                found[f"{key}_path"] = self._path(field, False)
        return found

    def result_path(self, field: str) -> Path | None:
        """ResultPath (a reference path, `$` when absent); None stands for `null`."""
        if field not in self.raw:
            return _IDENTITY
        path = self._path(field, True)
        if path is not None and path.context:
            self.fail(field, "cannot write into the context object")
        return path

    def path_or_call(self, field: str) -> Path | Call | None:
        value = self.string(field)
        if value is None:
            return None
        try:
            return (
                compile_reference_path(value) if value.startswith("$") else parse_intrinsic(value)
            )
        except ValueError as exc:
            self.fail(field, str(exc))

    def template(self, field: str) -> Template | None:
        if field not in self.raw:
            return None
        try:
            return compile_template(self.raw[field])
        except ValueError as exc:
            self.fail(field, str(exc))

    def error_handlers(self, field: str) -> list[Any]:
        """Retry/Catch: an array whose States.ALL, if any, is alone and in the last element."""
        handlers = self.raw.get(field, [])
        if not isinstance(handlers, list):
            self.fail(field, "must be an array")
        for i, handler in enumerate(handlers):
            names = handler.get("ErrorEquals") if isinstance(handler, dict) else None
            if (
                isinstance(names, list)
                and ALL in names
                and (len(names) > 1 or i < len(handlers) - 1)
            ):
                self.fail(f"{field}[{i}].ErrorEquals", f"{ALL} must appear alone and last")
        return handlers

    def error_equals(self) -> tuple[str, ...]:
        names = self.raw.get("ErrorEquals")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.fail("ErrorEquals", "must be a non-empty array of error names")
        return tuple(names)
