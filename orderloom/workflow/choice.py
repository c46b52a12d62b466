"""Choice rules: parsed into dataclasses at load, evaluated against the effective input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orderloom.workflow.errors import RUNTIME, DefinitionError, PathMissing, StatesError
from orderloom.workflow.fields import Fields
from orderloom.workflow.limits import PATTERN_CHARS
from orderloom.workflow.paths import Path, compile_path, compile_reference_path
from orderloom.workflow.timestamps import parse_timestamp


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare(kind: str, test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """Wrap an ordering test so that a value of the wrong type simply does not match."""
    if kind == "String":
        return lambda a, b: isinstance(a, str) and isinstance(b, str) and test(a, b)
    if kind == "Numeric":
        return lambda a, b: _number(a) and _number(b) and test(a, b)
    if kind == "Boolean":
        return lambda a, b: isinstance(a, bool) and isinstance(b, bool) and test(a, b)

    def timestamps(a: Any, b: Any) -> bool:
        left, right = parse_timestamp(a), parse_timestamp(b)
        return left is not None and right is not None and test(left, right)

    return timestamps


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: bool(a == b),
    "LessThan": lambda a, b: bool(a < b),
    "GreaterThan": lambda a, b: bool(a > b),
    "LessThanEquals": lambda a, b: bool(a <= b),
    "GreaterThanEquals": lambda a, b: bool(a >= b),
}

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    kind + name: _compare(kind, test)
    for kind in ("String", "Numeric", "Timestamp")
    for name, test in _ORDERINGS.items()
}
OPERATORS["BooleanEquals"] = _compare("Boolean", _ORDERINGS["Equals"])
OPERATORS["StringMatches"] = lambda a, b: isinstance(a, str) and b.matches(a)
_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}
_VALUE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "String": lambda v: isinstance(v, str),
    "Numeric": _number,
    "Boolean": lambda v: isinstance(v, bool),
    "Timestamp": lambda v: parse_timestamp(v) is not None,
}


@dataclass(frozen=True, slots=True)
class Comparison:
    """`Variable` compared by `operator` with a literal `value` or the value at `value_path`."""

    variable: Path
    operator: str
    value: Any
    value_path: Path | None
    test: Callable[[Any, Any], bool]


@dataclass(frozen=True, slots=True)
class Combination:
    """And / Or / Not over nested rules (Not has exactly one)."""

    operator: str
    rules: tuple[Rule, ...]


Rule = Comparison | Combination


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    rule: Rule
    next: str


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A StringMatches pattern: its literal pieces between unescaped `*`s.

    Matching finds each middle piece at its leftmost place after the previous one (the
    leftmost place never loses a match), so any pattern against any text takes at most one
    `str.find` over the text per piece: no backtracking, whatever the text.
    """

    pieces: tuple[str, ...]

    def matches(self, text: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:
            return text == pieces[0]
        first, middle, last = pieces[0], pieces[1:-1], pieces[-1]
        end = len(text) - len(last)
        if end < len(first) or not text.startswith(first) or not text.endswith(last):
            return False
        at = len(first)
        for piece in middle:
            found = text.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
        return True


def _wildcard(pattern: str) -> Wildcard:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal."""
    if len(pattern) > PATTERN_CHARS:
        raise ValueError(f"a StringMatches pattern may be at most {PATTERN_CHARS} characters")
    pieces: list[str] = []
    chars: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            chars.append(pattern[i + 1])
            i += 2
            continue
        if char == "*":
            pieces.append("".join(chars))
            chars = []
        else:
            chars.append(char)
        i += 1
    pieces.append("".join(chars))
    return Wildcard(tuple(pieces))


def parse_rule(raw: Any, top: bool) -> Rule:
    """Parse one rule; raises ValueError naming the offending field."""
    if not isinstance(raw, dict):
        raise ValueError("a choice rule must be an object")
    if not top and "Next" in raw:
        raise ValueError("Next: only a top-level choice rule may have Next")
    for operator in ("And", "Or"):
        if operator in raw:
            rules = raw[operator]
            if not isinstance(rules, list) or not rules:
                raise ValueError(f"{operator}: must be a non-empty array of rules")
            return Combination(operator, tuple(parse_rule(r, False) for r in rules))
    if "Not" in raw:
        return Combination("Not", (parse_rule(raw["Not"], False),))
    if "Variable" not in raw:
        raise ValueError("Variable: required in a comparison")
    try:
        variable = compile_path(raw["Variable"])
    except ValueError as exc:
        raise ValueError(f"Variable: {exc}") from None
    operators = [k for k in raw if k not in ("Variable", "Next", "Comment")]
    if len(operators) != 1:
        raise ValueError(f"{'/'.join(operators) or 'operator'}: exactly one operator is required")
    name = operators[0]
    value = raw[name]
    if name in _TYPE_TESTS or name == "IsPresent":
        if not isinstance(value, bool):
            raise ValueError(f"{name}: must be true or false")
        return Comparison(variable, name, value, None, lambda a, b: a == b)
    base = name.removesuffix("Path")
    if base not in OPERATORS or (base == "StringMatches" and name != base):
        raise ValueError(f"{name}: unknown comparison operator")
    if name != base:
        try:
            return Comparison(variable, name, None, compile_reference_path(value), OPERATORS[base])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    kind = (
        next(k for k in _VALUE_CHECKS if base.startswith(k))
        if base != "StringMatches"
        else "String"
    )
    if not _VALUE_CHECKS[kind](value):
        raise ValueError(f"{name}: expects a {kind.lower()} value")
    literal = _wildcard(value) if name == "StringMatches" else value
    return Comparison(variable, name, literal, None, OPERATORS[base])


def matches(rule: Rule, data: Any) -> bool:
    """Evaluate a rule; a Variable that selects nothing is States.Runtime (except IsPresent)."""
    if isinstance(rule, Combination):
        if rule.operator == "And":
            return all(matches(r, data) for r in rule.rules)
        if rule.operator == "Or":
            return any(matches(r, data) for r in rule.rules)
        return not matches(rule.rules[0], data)
    if rule.operator == "IsPresent":
        return rule.variable.exists(data) is rule.value
    try:
        value = rule.variable.get(data)
        other = rule.value if rule.value_path is None else rule.value_path.get(data)
    except PathMissing as missing:
        raise StatesError(RUNTIME, f"the choice rule path {missing} selected nothing") from None
    type_test = _TYPE_TESTS.get(rule.operator)
    if type_test is not None:
        return type_test(value) is rule.value
    return rule.test(value, other)


def parse_choices(f: Fields) -> tuple[ChoiceRule, ...]:
    rules = f.raw.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise DefinitionError(f.state, "Choices", "must be a non-empty array of choice rules")
    parsed = []
    for i, rule in enumerate(rules):
        try:
            if not isinstance(rule, dict) or not isinstance(rule.get("Next"), str):
                raise ValueError("Next: a top-level choice rule needs Next")
            parsed.append(ChoiceRule(parse_rule(rule, True), rule["Next"]))
        except ValueError as exc:
            raise DefinitionError(f.state, f"Choices[{i}]", str(exc)) from None
    return tuple(parsed)
