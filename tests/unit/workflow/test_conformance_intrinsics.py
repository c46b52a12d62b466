"""Intrinsic function examples with their documented results.

Source: "Intrinsic functions for JSONPath states in Step Functions",
https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html (its older edition
is doc_source/amazon-states-language-intrinsic-functions.md in
awsdocs/aws-step-functions-developer-guide).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from orderloom.workflow.local import run_local


def _apply(expression: str, data: Any) -> Any:
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"out.$": expression}, "End": True}},
    }
    result = run_local(definition, data)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output["out"]


ARRAY = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        (
            "States.Format('Hello, my name is {}.', $.name)",
            {"name": "Arnav"},
            "Hello, my name is Arnav.",
        ),
        (
            "States.Format($.template, $.name)",
            {"name": "Arnav", "template": "Hello, my name is {}."},
            "Hello, my name is Arnav.",
        ),
        (
            "States.StringToJson($.escapedJsonString)",
            {"escapedJsonString": '{"foo": "bar"}'},
            {"foo": "bar"},
        ),
        ("States.Array($.Id)", {"Id": 123456}, [123456]),
        (
            "States.ArrayPartition($.inputArray,4)",
            {"inputArray": [1, 2, 3, 4, 5, 6, 7, 9]},
            [[1, 2, 3, 4], [5, 6, 7, 9]],
        ),
        ("States.ArrayContains($.inputArray, $.lookingFor)", {**ARRAY, "lookingFor": 5}, True),
        ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
        ("States.ArrayGetItem($.inputArray, $.index)", {**ARRAY, "index": 5}, 6),
        ("States.ArrayLength($.inputArray)", ARRAY, 9),
        (
            "States.ArrayUnique($.inputArray)",
            {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]},
            [1, 2, 3, 4],
        ),
        ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
        (
            "States.Hash($.Data, $.Algorithm)",
            {"Data": "input data", "Algorithm": "SHA-1"},
            "aaff4a450a104cd177d28d18d74485e8cae074b7",
        ),
        ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
        (
            "States.StringSplit($.inputString, $.splitter)",
            {"inputString": "1,2,3,4,5", "splitter": ","},
            ["1", "2", "3", "4", "5"],
        ),
        (
            "States.StringSplit($.inputString, $.splitter)",
            {"inputString": "This.is+a,test=string", "splitter": ".+,="},
            ["This", "is", "a", "test", "string"],
        ),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            {
                "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
                "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
            },
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
        ),
    ],
)
def test_documented_examples(expression: str, data: Any, expected: Any) -> None:
    assert _apply(expression, data) == expected


def test_json_to_string_round_trips() -> None:
    # documented as returning {\"foo\": \"bar\"}; we print compact JSON text
    assert _apply("States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}) == (
        '{"foo":"bar"}'
    )


def test_nested_calls_from_the_docs() -> None:
    # the nested "myArn.$" example (its template has one '{}' too many, so two are used here)
    part = (
        "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit("
        "$.ImageRecipe.Arn, '/'), 2), '.'), {})"
    )
    expression = f"States.Format('{{}}.{{}}', {part.format(0)}, {part.format(1)})"
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/recipe/1.2.3"
    assert _apply(expression, {"ImageRecipe": {"Arn": arn}}) == "1.2"


def test_escapes_in_string_literals() -> None:
    # "Reserved characters in intrinsic functions": \' \{ \} \\ stand for ' { } \
    assert _apply("States.Format('It\\'s \\{literal\\} {} \\\\', $.x)", {"x": 1}) == (
        "It's {literal} 1 \\"
    )


def test_uuid_and_random_are_well_formed() -> None:
    uuid = _apply("States.UUID()", {})
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid
    )
    assert 1 <= _apply("States.MathRandom($.start, $.end)", {"start": 1, "end": 999}) < 999
    seeded = _apply("States.MathRandom(1, 999, 7)", {})
    assert seeded == _apply("States.MathRandom(1, 999, 7)", {})


def test_intrinsic_failure_is_catchable() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "local:t",
                "End": True,
                "Parameters": {"x.$": "States.ArrayGetItem($.a, 5)"},
                "Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "C"}],
            },
            "C": {"Type": "Pass", "End": True},
        },
    }
    result = run_local(definition, {"a": [1]}, {"local:t": lambda x: x})
    assert result.output["Error"] == "States.IntrinsicFailure"
