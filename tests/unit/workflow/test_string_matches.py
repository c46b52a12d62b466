"""StringMatches: the same answers as a regular expression would give, without its backtracking;
and no JSONPath filter that would bring a definition's regular expression back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.workflow.choice import _wildcard
from orderloom.workflow.definition import parse_definition
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.limits import PATTERN_CHARS
from orderloom.workflow.local import run_local


def _reference(pattern: str, text: str) -> bool:
    """The regex StringMatches used to compile to: slow on some patterns, but plainly right."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if pattern[i] == "*" else re.escape(pattern[i]))
        i += 1
    return re.fullmatch("".join(out), text, re.DOTALL) is not None


def _choice(pattern: str) -> dict[str, object]:
    return {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.s", "StringMatches": pattern, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "NoMatch"},
        },
    }


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab*\\", max_size=10),
    st.text(alphabet="ab*\\", max_size=12),
)
def test_wildcard_agrees_with_the_regular_expression(pattern: str, text: str) -> None:
    assert _wildcard(pattern).matches(text) is _reference(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*a*a*a*a*a*a*b", "a" * 10_000, False),
        ("*a*a*a*a*a*a*b", "a" * 10_000 + "b", True),
        ("*" + "a*" * 500 + "c*b", "a" * 100_000 + "b", False),
        ("a*" * 300 + "c", "a" * 50_000 + "c", True),
    ],
)
def test_adversarial_patterns_are_answered_in_one_pass(
    pattern: str, text: str, expected: bool
) -> None:
    result = run_local(_choice(pattern), {"s": text})
    assert (result.status == "SUCCEEDED") is expected


def test_a_pattern_over_the_length_limit_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=f"at most {PATTERN_CHARS}"):
        parse_definition(_choice("*" * (PATTERN_CHARS + 1)))
    parse_definition(_choice("*" * PATTERN_CHARS))


def test_escaped_star_and_backslash_are_literal() -> None:
    assert run_local(_choice("log\\*.txt"), {"s": "log*.txt"}).status == "SUCCEEDED"
    assert run_local(_choice("log\\*.txt"), {"s": "log1.txt"}).status == "FAILED"
    assert run_local(_choice("a\\\\b"), {"s": "a\\b"}).status == "SUCCEEDED"


@pytest.mark.parametrize("path", ["$.items[?(@ =~ '(a+)+b')]", "$.items[*].`sub(/(a+)+b/, x)`"])
def test_paths_with_regular_expressions_are_a_definition_error(path: str) -> None:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": path, "End": True}}}
    with pytest.raises(DefinitionError, match="regular expression"):
        parse_definition(definition)
