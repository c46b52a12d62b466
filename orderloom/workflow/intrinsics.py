"""Intrinsic function calls (`States.Format('{}', $.x)`), parsed once at definition load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from orderloom.workflow.errors import INTRINSIC_FAILURE, PathMissing, StatesError
from orderloom.workflow.functions import FUNCTIONS, Scope, format_json
from orderloom.workflow.limits import INTRINSIC_NESTING, VALUE_CHARS
from orderloom.workflow.paths import Path, compile_path


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    parts: tuple[str, ...] = ()  # a string literal split at its unescaped `{}` (for Format)


@dataclass(frozen=True, slots=True)
class PathArg:
    path: Path


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


_ESCAPES = {"'": "'", "{": "{", "}": "}", "\\": "\\"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def fail(self, problem: str) -> ValueError:
        return ValueError(f"intrinsic {self.text!r} at position {self.pos}: {problem}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def call(self) -> Call:
        self.depth += 1
        if self.depth > INTRINSIC_NESTING:
            raise self.fail(f"more than {INTRINSIC_NESTING} intrinsic functions nested")
        call = self._call()
        self.depth -= 1
        return call

    def _call(self) -> Call:
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "._"
        ):
            self.pos += 1
        name = self.text[start : self.pos]
        if (
            not name.startswith("States.")
            or self.pos >= len(self.text)
            or self.text[self.pos] != "("
        ):
            raise self.fail("expected States.<Function>(")
        self.pos += 1
        args: list[Literal | PathArg | Call] = []
        self.skip_space()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return Call(name, ())
        while True:
            self.skip_space()
            args.append(self.argument())
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith(")", self.pos):
                self.pos += 1
                return Call(name, tuple(args))
            else:
                raise self.fail("expected ',' or ')'")

    def argument(self) -> Literal | PathArg | Call:
        rest = self.text[self.pos :]
        if rest.startswith("'"):
            return self.string()
        if rest.startswith("$"):
            return self.path()
        if rest.startswith("States."):
            return self.call()
        end = self.pos
        while end < len(self.text) and self.text[end] not in ",) ":
            end += 1
        token = self.text[self.pos : end]
        try:
            value = json.loads(token)
        except ValueError:
            raise self.fail(f"unexpected argument {token!r}") from None
        if isinstance(value, (dict, list, str)):
            raise self.fail(f"unexpected argument {token!r}")
        self.pos = end
        return Literal(value)

    def string(self) -> Literal:
        self.pos += 1
        chars: list[str] = []
        parts: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.fail("unterminated string")
            char = self.text[self.pos]
            if char == "\\":
                escaped = self.text[self.pos + 1 : self.pos + 2]
                if escaped not in _ESCAPES:
                    raise self.fail("open escape backslash")
                chars.append(_ESCAPES[escaped])
                self.pos += 2
            elif char == "'":
                self.pos += 1
                parts.append("".join(chars))
                return Literal("{}".join(parts), tuple(parts))
            elif self.text.startswith("{}", self.pos):
                parts.append("".join(chars))
                chars = []
                self.pos += 2
            else:
                chars.append(char)
                self.pos += 1

    def path(self) -> PathArg:
        depth, quote, end = 0, "", self.pos
        while end < len(self.text):
            char = self.text[end]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            end += 1
        text = self.text[self.pos : end].rstrip()
        self.pos = end
        return PathArg(compile_path(text))


def parse_intrinsic(text: str) -> Call:
    """Parse a whole intrinsic invocation; raises ValueError naming the problem."""
    parser = _Parser(text.strip())
    call = parser.call()
    if parser.pos != len(parser.text):
        raise parser.fail("unexpected text after the call")
    _check_names(call)
    return call


def _check_names(call: Call) -> None:
    if call.name not in FUNCTIONS and call.name != "States.Format":
        raise ValueError(f"unknown intrinsic function {call.name}")
    for arg in call.args:
        if isinstance(arg, Call):
            _check_names(arg)


def evaluate_call(call: Call, scope: Scope) -> Any:
    """Run an invocation; failures raise States.IntrinsicFailure."""
    values: list[Any] = []
    for arg in call.args:
        if isinstance(arg, Literal):
            values.append(arg.value)
        elif isinstance(arg, PathArg):
            source = scope.context() if arg.path.context else scope.data
            try:
                values.append(arg.path.get(source))
            except PathMissing:
                raise StatesError(
                    INTRINSIC_FAILURE, f"{call.name}: the path {arg.path.text} selected nothing"
                ) from None
        else:
            values.append(evaluate_call(arg, scope))
    try:
        if call.name == "States.Format":
            return _format(call, values, scope)
        return FUNCTIONS[call.name](values, scope)
    except StatesError:
        raise
    except RecursionError:
        raise StatesError(
            INTRINSIC_FAILURE, f"{call.name}: the value is nested too deeply"
        ) from None
    except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
        raise StatesError(INTRINSIC_FAILURE, f"{call.name}: {exc}") from None


def _format(call: Call, values: list[Any], scope: Scope) -> str:
    """States.Format: a literal template keeps its escaped braces; a selected one has none."""
    if not values or not isinstance(values[0], str):
        raise ValueError("the first argument must be a string")
    first = call.args[0]
    parts = list(first.parts) if isinstance(first, Literal) else values[0].split("{}")
    args = values[1:]
    if len(parts) - 1 != len(args):
        raise ValueError(f"the template has {len(parts) - 1} '{{}}' but {len(args)} arguments")
    chars = sum(map(len, parts)) + sum(
        len(arg) if isinstance(arg, str) else scope.size(arg) for arg in args
    )
    if chars > VALUE_CHARS:
        raise ValueError(f"the text would be {chars} characters, more than {VALUE_CHARS}")
    pieces = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        pieces.append(arg if isinstance(arg, str) else format_json(arg))
        pieces.append(part)
    return "".join(pieces)
