"""Input/output processing, Pass, Choice, Map and Parallel examples from the AWS docs.

Each case reproduces an example of the Step Functions developer guide (awsdocs/aws-step-functions-
developer-guide, doc_source/*.md, published at https://docs.aws.amazon.com/step-functions/latest/dg/)
with the output the page documents.
"""

from __future__ import annotations

from typing import Any

from orderloom.workflow.local import run_local


def _single(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": {**state, "End": True}}}


def _task(result: Any) -> dict[str, Any]:
    return {"local:task": lambda _: result}


def test_inputpath_resultpath_outputpath_numbers() -> None:
    # "Input and Output Processing" (amazon-states-language-input-output-processing.html)
    definition = _single(
        {
            "Type": "Task",
            "Resource": "local:add",
            "InputPath": "$.numbers",
            "ResultPath": "$.sum",
            "OutputPath": "$",
        }
    )
    seen: list[Any] = []

    def add(x: Any) -> Any:
        seen.append(x)
        return x["val1"] + x["val2"]

    handlers = {"local:add": add}
    given = {"title": "Numbers to add", "numbers": {"val1": 3, "val2": 4}}
    result = run_local(definition, given, handlers)
    assert seen == [{"val1": 3, "val2": 4}]
    assert result.output == {**given, "sum": 7}
    narrowed = {**definition["States"]["S"], "OutputPath": "$.sum"}
    assert run_local({"StartAt": "S", "States": {"S": narrowed}}, given, handlers).output == 7


def test_inputpath_selects_dataset() -> None:
    # "InputPath and Parameters" (input-output-inputpath-params.html), InputPath example
    given = {
        "comment": "Example for InputPath.",
        "dataset1": {"val1": 1, "val2": 2, "val3": 3},
        "dataset2": {"val1": "a", "val2": "b", "val3": "c"},
    }
    result = run_local(_single({"Type": "Pass", "InputPath": "$.dataset2"}), given)
    assert result.output == {"val1": "a", "val2": "b", "val3": "c"}


def test_parameters_select_details() -> None:
    # "InputPath and Parameters" (input-output-inputpath-params.html), Parameters example
    given = {
        "comment": "Example for Parameters.",
        "product": {
            "details": {"color": "blue", "size": "small", "material": "cotton"},
            "availability": "in stock",
            "sku": "2317",
            "cost": "$23",
        },
    }
    parameters = {
        "comment": "Selecting what I care about.",
        "MyDetails": {
            "size.$": "$.product.details.size",
            "exists.$": "$.product.availability",
            "StaticValue": "foo",
        },
    }
    result = run_local(_single({"Type": "Pass", "Parameters": parameters}), given)
    assert result.output == {
        "comment": "Selecting what I care about.",
        "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"},
    }


def test_path_yields_selection() -> None:
    # "Input and Output Processing", note on paths: $.a[0:2] of {"a": [1, 2, 3, 4]} is [1, 2]
    result = run_local(_single({"Type": "Pass", "InputPath": "$.a[0:2]"}), {"a": [1, 2, 3, 4]})
    assert result.output == [1, 2]


LAMBDA_INPUT: dict[str, Any] = {
    "comment": "This is a test of the input and output of a Task state.",
    "details": "Default example",
    "who": "AWS Step Functions",
}
HELLO = "Hello, AWS Step Functions!"


def test_resultpath_default_replaces_input() -> None:
    # "ResultPath" (input-output-resultpath.html): Use ResultPath to Replace the Input
    result = run_local(
        _single({"Type": "Task", "Resource": "local:task"}), LAMBDA_INPUT, _task(HELLO)
    )
    assert result.output == HELLO


def test_resultpath_includes_result_with_input() -> None:
    # "ResultPath" (input-output-resultpath.html): Include the Result with the Input
    state = {"Type": "Task", "Resource": "local:task", "ResultPath": "$.taskresult"}
    result = run_local(_single(state), LAMBDA_INPUT, _task(HELLO))
    assert result.output == {**LAMBDA_INPUT, "taskresult": HELLO}
    nested: dict[str, Any] = {
        "comment": "An input comment.",
        "strings": {"string1": "foo", "string2": "bar", "string3": "baz"},
        "who": "AWS Step Functions",
    }
    state["ResultPath"] = "$.strings.lambdaresult"
    result = run_local(_single(state), nested, _task(HELLO))
    assert result.output["strings"] == {**nested["strings"], "lambdaresult": HELLO}


def test_resultpath_updates_a_node() -> None:
    # "ResultPath" (input-output-resultpath.html): Update a Node in the Input with the Result
    state = {"Type": "Task", "Resource": "local:task", "ResultPath": "$.comment"}
    result = run_local(_single(state), LAMBDA_INPUT, _task(HELLO))
    assert result.output == {**LAMBDA_INPUT, "comment": HELLO}


def test_resultpath_null_discards_result() -> None:
    # "Input and Output Processing": if ResultPath is null the results are discarded
    state = {"Type": "Task", "Resource": "local:task", "ResultPath": None}
    assert run_local(_single(state), LAMBDA_INPUT, _task(HELLO)).output == LAMBDA_INPUT


def test_catch_resultpath_keeps_input_with_error() -> None:
    # "ResultPath" (input-output-resultpath.html): Include Both Error and Input in a Catch
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "local:boom",
                "End": True,
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Next": "NextTask", "ResultPath": "$.error"}
                ],
            },
            "NextTask": {"Type": "Pass", "End": True},
        },
    }

    class ErrorHere(Exception):
        error = "Error here"
        cause = "it broke"

    def boom(_: Any) -> Any:
        raise ErrorHere()

    result = run_local(definition, {"foo": "bar"}, {"local:boom": boom})
    assert result.output == {"foo": "bar", "error": {"Error": "Error here", "Cause": "it broke"}}


def test_pass_result_into_resultpath() -> None:
    # "Pass" (amazon-states-language-pass-state.html): Result placed at $.coords
    coords = {"x-datum": 0.381018, "y-datum": 622.2269926397355}
    state = {"Type": "Pass", "Result": coords, "ResultPath": "$.coords"}
    result = run_local(_single(state), {"georefOf": "Home"})
    assert result.output == {"georefOf": "Home", "coords": coords}


def test_result_selector_then_resultpath() -> None:
    # "ResultSelector" (input-output-inputpath-params.html#input-output-resultselector): EMR example
    raw = {
        "resourceType": "elasticmapreduce",
        "resource": "createCluster.sync",
        "output": {
            "SdkHttpMetadata": {"HttpStatusCode": 200},
            "SdkResponseMetadata": {},
            "ClusterId": "AKIAIOSFODNN7EXAMPLE",
        },
    }
    state = {
        "Type": "Task",
        "Resource": "local:task",
        "ResultPath": "$.EMROutput",
        "ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"},
    }
    result = run_local(_single(state), {"x": 1}, _task(raw))
    assert result.output == {
        "x": 1,
        "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"},
    }


CHOICE = {
    "StartAt": "ChoiceStateX",
    "States": {
        "ChoiceStateX": {
            "Type": "Choice",
            "Choices": [
                {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
                {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
                {
                    "And": [
                        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                        {"Variable": "$.value", "NumericLessThan": 30},
                    ],
                    "Next": "ValueInTwenties",
                },
            ],
            "Default": "DefaultState",
        },
        "Public": {"Type": "Pass", "Result": "Public", "End": True},
        "ValueIsZero": {"Type": "Pass", "Result": "ValueIsZero", "End": True},
        "ValueInTwenties": {"Type": "Pass", "Result": "ValueInTwenties", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "No Matches!"},
    },
}


def test_choice_example() -> None:
    # "Choice" (amazon-states-language-choice-state.html): {"type": "Private", "value": 22}
    assert run_local(CHOICE, {"type": "Private", "value": 22}).output == "ValueInTwenties"
    assert run_local(CHOICE, {"type": "Public", "value": 22}).output == "Public"
    assert run_local(CHOICE, {"type": "Private", "value": 0}).output == "ValueIsZero"
    failed = run_local(CHOICE, {"type": "Private", "value": 5})
    assert (failed.status, failed.cause) == ("FAILED", "No Matches!")


def test_choice_missing_variable_fails_execution() -> None:
    # "Choice": "If the state input doesn't contain the $.type field, the execution fails"
    result = run_local(CHOICE, {"value": 22})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


SHIPPED = [
    {"prod": "R31", "dest-code": 9511, "quantity": 1344},
    {"prod": "S39", "dest-code": 9511, "quantity": 40},
    {"prod": "R31", "dest-code": 9833, "quantity": 12},
    {"prod": "R40", "dest-code": 9860, "quantity": 887},
    {"prod": "R40", "dest-code": 9511, "quantity": 1220},
]
MAP_INPUT = {
    "ship-date": "2016-03-14T01:59:00Z",
    "detail": {"delivery-partner": "UQS", "shipped": SHIPPED},
}


def test_map_with_parameters_example() -> None:
    # "Map" (amazon-states-language-map-state.html): Map State Example With Parameters
    state = {
        "Type": "Map",
        "InputPath": "$.detail",
        "ItemsPath": "$.shipped",
        "MaxConcurrency": 0,
        "ResultPath": "$.detail.shipped",
        "Parameters": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"},
        "Iterator": {
            "StartAt": "Validate",
            "States": {"Validate": {"Type": "Task", "Resource": "local:ship-val", "End": True}},
        },
    }
    seen: list[Any] = []

    def ship_val(x: Any) -> Any:
        seen.append(x)
        return {"ok": x["parcel"]["prod"]}

    handlers = {"local:ship-val": ship_val}
    result = run_local(_single(state), MAP_INPUT, handlers)
    assert seen[0] == {"parcel": SHIPPED[0], "courier": "UQS"}
    # "the same as the input, but with the detail.shipped field overwritten" by the results
    shipped = [{"ok": item["prod"]} for item in SHIPPED]
    assert result.output == {**MAP_INPUT, "detail": {"delivery-partner": "UQS", "shipped": shipped}}


def test_map_concurrency_one_runs_in_order() -> None:
    # "Map": MaxConcurrency 1 invokes the iterations one at a time, in input order
    state = {
        "Type": "Map",
        "MaxConcurrency": 1,
        "ItemProcessor": {
            "StartAt": "P",
            "States": {"P": {"Type": "Task", "Resource": "local:p", "End": True}},
        },
    }
    order: list[Any] = []

    def process(x: Any) -> Any:
        order.append(x)
        return x * 10

    result = run_local(_single(state), [3, 1, 2], {"local:p": process})
    assert order == [3, 1, 2]
    assert result.output == [30, 10, 20]


def test_parallel_collects_branch_outputs_in_order() -> None:
    # "Parallel" (amazon-states-language-parallel-state.html): output is an array of branch outputs
    state = {
        "Type": "Parallel",
        "Branches": [
            {
                "StartAt": "LookupAddress",
                "States": {
                    "LookupAddress": {"Type": "Task", "Resource": "local:address", "End": True}
                },
            },
            {
                "StartAt": "LookupPhone",
                "States": {"LookupPhone": {"Type": "Task", "Resource": "local:phone", "End": True}},
            },
        ],
    }
    handlers = {
        "local:address": lambda x: {"address": x["id"]},
        "local:phone": lambda x: {"phone": x["id"]},
    }
    result = run_local(_single(state), {"id": 7}, handlers)
    assert result.output == [{"address": 7}, {"phone": 7}]
