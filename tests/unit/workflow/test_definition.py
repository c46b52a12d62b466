"""Definitions that cannot run are refused on load, naming the state and the field."""

from __future__ import annotations

from typing import Any

import pytest

from orderloom.workflow.definition import parse_definition
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.states import Map, Task


def _one(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": state, "End": {"Type": "Succeed"}}}


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            {"StartAt": "Reserve", "States": {"Reserve": {"Type": "Pass", "Next": "Nope"}}},
            'state "Reserve": field "Next": no state named "Nope"',
        ),
        (
            {"StartAt": "X", "States": {"A": {"Type": "Succeed"}}},
            "definition: field \"StartAt\": no state named 'X'",
        ),
        (_one({"Type": "Pass"}), 'state "S": field "Next": exactly one of Next or End'),
        (_one({"Type": "Teleport", "End": True}), 'state "S": field "Type": unknown state type'),
        (
            _one({"Type": "Task", "Resource": "http://x", "End": True}),
            'state "S": field "Resource"',
        ),
        (
            _one({"Type": "Pass", "Next": "End", "ResultPath": "$.a[*]"}),
            'state "S": field "ResultPath": \'$.a[*]\' is not a reference path',
        ),
        (
            _one({"Type": "Pass", "Next": "End", "Parameters": {"x.$": "States.Nope()"}}),
            'state "S": field "Parameters": x.$: unknown intrinsic function States.Nope',
        ),
        (
            _one(
                {
                    "Type": "Task",
                    "Resource": "local:x",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL", "E"]}],
                }
            ),
            'state "S": field "Retry[0].ErrorEquals": States.ALL must appear alone and last',
        ),
        (
            _one(
                {
                    "Type": "Task",
                    "Resource": "local:x",
                    "End": True,
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "Next": "End"},
                        {"ErrorEquals": ["E"], "Next": "End"},
                    ],
                }
            ),
            'state "S": field "Catch[0].ErrorEquals": States.ALL must appear alone and last',
        ),
        (
            _one(
                {
                    "Type": "Task",
                    "Resource": "local:x",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}],
                }
            ),
            'state "S": field "Retry[0].BackoffRate": must be at least 1.0',
        ),
        (
            _one({"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z", "End": True}),
            'state "S": field "Timestamp": cannot be used together with Seconds',
        ),
        (
            _one(
                {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "NumericEquals": "1", "Next": "End"}],
                }
            ),
            'state "S": field "Choices[0]": NumericEquals: expects a numeric value',
        ),
        (
            _one({"Type": "Pass", "Result": 1, "End": True, "Resutl": 2}),
            'state "S": field "Resutl": is not supported here',
        ),
        (
            {"StartAt": "S", "States": {"S": {"Type": "Succeed"}, "Orphan": {"Type": "Succeed"}}},
            'state "Orphan": field "Type": not reachable',
        ),
        (
            _one({"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Q", "States": {}}}),
            'state "S": field "ItemProcessor.States": must be a non-empty object',
        ),
        (
            _one(
                {
                    "Type": "Task",
                    "Resource": "local:x",
                    "End": True,
                    "TimeoutSeconds": 5,
                    "HeartbeatSeconds": 5,
                }
            ),
            'state "S": field "HeartbeatSeconds": must be smaller than TimeoutSeconds',
        ),
    ],
)
def test_invalid_definitions_name_state_and_field(definition: Any, message: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        parse_definition(definition)
    assert message in str(raised.value)


def test_every_resource_form_is_accepted() -> None:
    for resource in (
        "local:reserve",
        "service:inventory.reserve",
        "vendor:erp.create_order",
        "vendor-async:storefront.set_level",
        "arn:aws:lambda:us-east-1:123456789012:function:Foo",
    ):
        parsed = parse_definition(
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
        )
        task = parsed.top.states["T"]
        assert isinstance(task, Task) and task.resource == resource


def test_legacy_and_current_map_fields_parse_alike() -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    for field, selector in (("Iterator", "Parameters"), ("ItemProcessor", "ItemSelector")):
        parsed = parse_definition(
            {
                "StartAt": "M",
                "States": {
                    "M": {
                        "Type": "Map",
                        field: processor,
                        selector: {"v.$": "$$.Map.Item.Value"},
                        "End": True,
                        "Retry": [{"ErrorEquals": ["E"]}],
                    }
                },
            }
        )
        state = parsed.top.states["M"]
        assert isinstance(state, Map) and state.item_selector is not None
        assert state.retry[0].max_attempts == 3 and state.retry[0].backoff_rate == 2.0
        assert len(parsed.machines) == 2
