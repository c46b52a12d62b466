"""Definitions and inputs that would make the runner build too much fail their execution instead.

Sources for the limits: "Intrinsic functions for JSONPath states in Step Functions"
(States.ArrayRange: "The newly generated array can't contain more than 1000 items") and "Wait
workflow state" (Seconds "from 0 up to 99999999"), docs.aws.amazon.com/step-functions/latest/dg/.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.workflow.core import advance
from orderloom.workflow.definition import parse_definition
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.limits import (
    MAX_EPOCH_MS,
    MAX_SECONDS,
    RANGE_ITEMS,
    VALUE_CHARS,
    Limits,
    Sizes,
)
from orderloom.workflow.local import LocalResult, run_local
from orderloom.workflow.messages import StartExecution, StartTimer, TaskFailed, TimerFired
from orderloom.workflow.retry import Retrier, backoff_ms


def _pass(expression: str) -> dict[str, Any]:
    return {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"out.$": expression}, "End": True}},
    }


def _failed(result: LocalResult, error: str, *words: str) -> None:
    assert (result.status, result.error) == ("FAILED", error), (result.error, result.cause)
    assert result.cause is not None
    for word in words:
        assert word in result.cause
    assert result.history[-1].type == "ExecutionFailed"


# --- intrinsics: sizes checked before the result is built


def test_array_range_of_a_thousand_items_is_built() -> None:
    result = run_local(_pass(f"States.ArrayRange(1, {RANGE_ITEMS}, 1)"), {})
    assert result.output["out"] == list(range(1, RANGE_ITEMS + 1))


@pytest.mark.parametrize(
    "arguments",
    ["1, 1001, 1", "0, 9223372036854775807, 1", "9223372036854775807, -9223372036854775808, -1"],
)
def test_array_range_beyond_a_thousand_items_fails_without_building_it(arguments: str) -> None:
    result = run_local(_pass(f"States.ArrayRange({arguments})"), {})
    _failed(result, "States.IntrinsicFailure", "States.ArrayRange", "at most 1000")


def test_an_array_doubled_state_after_state_fails_at_the_limit() -> None:
    """Each state holds its input twice: 2^60 copies by the end, were nothing measured."""
    states = {
        f"S{i}": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}, "Next": f"S{i + 1}"}
        for i in range(60)
    }
    states["S60"] = {"Type": "Succeed"}
    result = run_local({"StartAt": "S0", "States": states}, {"x": "y" * 100})
    _failed(result, "States.DataLimitExceeded", str(VALUE_CHARS))
    entered = [e for e in result.history if e.type == "PassStateEntered"]
    assert len(entered) < 20


plain_text = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"\\'))
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | plain_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(plain)
def test_sizes_are_the_length_of_the_json_text(value: Any) -> None:
    """Exact for text without escapes, at most a digit over per integer, however shared."""
    shared = [value, {"again": value}, [value]]
    for measured in (value, shared):
        text = json.dumps(measured, separators=(",", ":"))
        assert len(text) <= Sizes().of(measured) <= 2 * len(text)  # a digit over, per integer


def test_a_shared_value_is_measured_by_its_parts_not_its_text() -> None:
    value: Any = "x"
    for _ in range(60):
        value = [value, value]
    assert Sizes().of(value) == 6 * 2**60 - 3  # "x" is 3; each level is 2 * inner + 3
    assert Sizes().of({"ab": [1, None, True, "cd"]}) == len('{"ab":[1,null,true,"cd"]}')


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("States.Format('{}{}{}', $.s, $.s, $.s)", {"s": "x" * (VALUE_CHARS // 2)}),
        ("States.Base64Encode($.s)", {"s": "x" * (VALUE_CHARS - 10)}),
        ("States.Array($.s, $.s, $.s)", {"s": "x" * (VALUE_CHARS // 2)}),
        ("States.ArrayPartition($.a, 1)", {"a": [0] * (VALUE_CHARS // 3)}),
        ("States.StringSplit($.s, ',')", {"s": "," * (VALUE_CHARS // 2)}),
    ],
)
def test_intrinsics_that_would_build_too_much_fail_visibly(expression: str, data: Any) -> None:
    result = run_local(_pass(expression), data)
    _failed(result, "States.IntrinsicFailure", expression.split("(")[0], "more than")


def test_string_split_with_many_delimiters_is_one_pass() -> None:
    text = "".join(chr(0x4E00 + i) for i in range(20_000))
    result = run_local(_pass("States.StringSplit($.t, $.t)"), {"t": text})
    assert result.output["out"] == []
    split = run_local(_pass("States.StringSplit($.t, ', ')"), {"t": "a, b,,c d"})
    assert split.output["out"] == ["a", "b", "c", "d"]


def test_string_to_json_nested_too_deeply_fails_the_execution() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    result = run_local(_pass("States.StringToJson($.t)"), {"t": deep})
    _failed(result, "States.IntrinsicFailure", "States.StringToJson")


def test_math_add_keeps_to_64_bit_integers() -> None:
    result = run_local(_pass("States.MathAdd($.n, $.n)"), {"n": 2**70})
    _failed(result, "States.IntrinsicFailure", "64-bit")


# --- Map: items checked before iterations exist


def _map(selector: dict[str, Any] | None = None, concurrency: int = 0) -> dict[str, Any]:
    inner = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "MaxConcurrency": concurrency,
        "ItemProcessor": inner,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        "End": True,
    }
    if selector is not None:
        state["ItemSelector"] = selector
    return {"StartAt": "M", "States": {"M": state, "Caught": {"Type": "Succeed"}}}


def test_a_map_over_more_items_than_allowed_fails_before_any_iteration() -> None:
    result = run_local(_map(), {"items": list(range(11))}, limits=Limits(map_items=10))
    _failed(result, "States.DataLimitExceeded", '"M" has 11 items', "10")
    assert not [e for e in result.history if e.type == "MapIterationStarted"]
    assert run_local(_map(), {"items": list(range(10))}, limits=Limits(map_items=10)).status == (
        "SUCCEEDED"
    )


def test_the_default_map_limit_refuses_a_hundred_thousand_items() -> None:
    result = run_local(_map(concurrency=1), {"items": [0] * 100_000})
    _failed(result, "States.DataLimitExceeded", "100000 items")


def test_a_map_whose_items_times_its_input_exceed_the_limit_fails_before_iterating() -> None:
    """Each iteration carries the whole input: 1,000 items of a 10 KB input is 10 MB."""
    data = {"items": list(range(1000)), "blob": "b" * 10_000}
    result = run_local(_map({"all.$": "$", "i.$": "$$.Map.Item.Value"}), data)
    _failed(result, "States.DataLimitExceeded", "1000 iterations")
    assert not [e for e in result.history if e.type == "MapIterationStarted"]
    small = run_local(_map({"i.$": "$$.Map.Item.Value"}), data)
    assert small.status == "SUCCEEDED"


def test_nested_maps_cannot_hold_more_frames_than_allowed() -> None:
    inner = _map()["States"]["M"] | {"ItemsPath": "$.items", "Catch": []}
    outer = {
        "StartAt": "Outer",
        "States": {
            "Outer": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"items.$": "$.items"},
                "ItemProcessor": {"StartAt": "M", "States": {"M": inner}},
                "End": True,
            }
        },
    }
    result = run_local(outer, {"items": list(range(50))}, limits=Limits(frames=1000))
    _failed(result, "States.DataLimitExceeded", "1000 frames")


# --- times: bounded by the definition's parse, or at run time from a path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"Type": "Wait", "Seconds": MAX_SECONDS + 1, "End": True}, "Seconds"),
        ({"Type": "Task", "Resource": "local:x", "TimeoutSeconds": 10**30, "End": True}, "Timeout"),
        ({"Type": "Task", "Resource": "local:x", "HeartbeatSeconds": 10**9, "End": True}, "Heart"),
        (
            {
                "Type": "Task",
                "Resource": "local:x",
                "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 10**12}],
                "End": True,
            },
            "Retry[0].IntervalSeconds",
        ),
        (
            {
                "Type": "Task",
                "Resource": "local:x",
                "Retry": [{"ErrorEquals": ["E"], "MaxDelaySeconds": 10**12}],
                "End": True,
            },
            "Retry[0].MaxDelaySeconds",
        ),
        (
            {
                "Type": "Task",
                "Resource": "local:x",
                "Retry": [{"ErrorEquals": ["E"], "BackoffRate": float("nan")}],
                "End": True,
            },
            "Retry[0].BackoffRate",
        ),
        (
            {
                "Type": "Task",
                "Resource": "local:x",
                "Retry": [{"ErrorEquals": ["E"], "BackoffRate": float("inf")}],
                "End": True,
            },
            "Retry[0].BackoffRate",
        ),
    ],
)
def test_static_times_beyond_the_limit_are_definition_errors(
    body: dict[str, Any], field: str
) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse_definition({"StartAt": "S", "States": {"S": body}})
    assert field in refused.value.field


def test_an_execution_timeout_beyond_the_limit_is_a_definition_error() -> None:
    definition = {"StartAt": "P", "TimeoutSeconds": 10**20, "States": {"P": {"Type": "Succeed"}}}
    with pytest.raises(DefinitionError, match=r"TimeoutSeconds.*99999999"):
        parse_definition(definition)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("SecondsPath", 10**30),
        ("SecondsPath", MAX_SECONDS + 1),
        ("SecondsPath", -1),
        ("TimestampPath", "+275760-09-13T00:00:00Z"),
        ("TimeoutSecondsPath", 10**400),
        ("HeartbeatSecondsPath", 2**64),
    ],
)
def test_times_from_paths_beyond_the_limit_fail_the_execution_naming_the_field(
    field: str, value: Any
) -> None:
    if field.startswith(("Seconds", "Timestamp")):
        state: dict[str, Any] = {"Type": "Wait", field: "$.t", "End": True}
    else:
        state = {"Type": "Task", "Resource": "local:x", field: "$.t", "End": True}
    result = run_local({"StartAt": "S", "States": {"S": state}}, {"t": value})
    _failed(result, "States.Runtime", field)
    assert result.cause is not None and len(result.cause) < 200


def test_no_timer_falls_after_year_9999() -> None:
    late = 253_400_000_000_000  # late in 9999
    definition = {
        "StartAt": "W",
        "TimeoutSeconds": MAX_SECONDS,
        "States": {"W": {"Type": "Wait", "Seconds": MAX_SECONDS, "End": True}},
    }
    _, _, commands = advance(None, StartExecution("e", "wf", definition, {}, late))
    fires = [c.fire_at for c in commands if isinstance(c, StartTimer)]
    assert len(fires) == 2 and all(late < f <= MAX_EPOCH_MS for f in fires)


def test_backoff_never_overflows_however_many_retries() -> None:
    steep = Retrier(
        ("E",), interval_seconds=MAX_SECONDS, max_attempts=MAX_SECONDS, backoff_rate=1e300
    )
    assert backoff_ms(steep, 2, "s") == MAX_SECONDS * 1000
    assert backoff_ms(Retrier(("E",), backoff_rate=2.0), 10**7, "s") == MAX_SECONDS * 1000
    capped = Retrier(("E",), backoff_rate=2.0, max_delay_seconds=60)
    assert backoff_ms(capped, 5000, "s") == 60_000
    assert backoff_ms(Retrier(("E",)), 3, "s") == 4000


def test_retries_with_a_huge_backoff_rate_wait_at_most_the_limit() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "local:x",
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 5, "BackoffRate": 1e308}],
                "End": True,
            }
        },
    }
    state, _, commands = advance(None, StartExecution("e", "wf", definition, {}, 0))
    now = 0
    for _ in range(5):
        assert state is not None
        token = commands[0].task_token  # type: ignore[union-attr]
        state, _, commands = advance(state, TaskFailed(token, "E", "no", now))
        timer = next(c for c in commands if isinstance(c, StartTimer))
        assert now < timer.fire_at <= now + MAX_SECONDS * 1000
        now = timer.fire_at
        state, _, commands = advance(state, TimerFired(timer.timer_id, now))
    assert state is not None and state.status == "RUNNING"


def test_data_limit_exceeded_is_not_caught_by_states_all() -> None:
    result = run_local(_map(), {"items": [1, 2]}, limits=Limits(map_items=1))
    assert result.status == "FAILED"
    assert not [e for e in result.history if e.details.get("name") == "Caught"]


# --- definitions: nesting bounded at load, so nothing recurses past Python's limit later


def test_intrinsics_nested_more_than_ten_deep_are_a_definition_error() -> None:
    def nested(depth: int) -> dict[str, Any]:
        return _pass("States.Array(" * depth + "1" + ")" * depth)

    parse_definition(nested(10))
    with pytest.raises(DefinitionError, match="more than 10 intrinsic functions nested"):
        parse_definition(nested(11))
    with pytest.raises(DefinitionError):
        parse_definition(nested(5000))


def test_a_definition_nested_deeper_than_the_limit_is_a_definition_error() -> None:
    parameters: dict[str, Any] = {"a.$": "$"}
    for _ in range(5000):
        parameters = {"b": parameters}
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": True}},
    }
    with pytest.raises(DefinitionError, match="nests deeper than 200 levels"):
        parse_definition(definition)


def test_a_definition_too_deep_to_write_as_text_is_a_definition_error() -> None:
    comment: Any = "x"
    for _ in range(990):
        comment = [comment]
    definition = {"StartAt": "P", "Comment": comment, "States": {"P": {"Type": "Succeed"}}}
    with pytest.raises(DefinitionError, match="nests deeper"):
        advance(None, StartExecution("e", "wf", definition, {}, 0))


def test_a_time_beyond_what_a_datetime_holds_still_builds_the_context_object() -> None:
    definition = _pass("$$.State.EnteredTime")
    for time in (MAX_EPOCH_MS + 10**9, -(10**15)):
        state, _, _ = advance(None, StartExecution("e", "wf", definition, {}, time))
        assert state is not None and state.status == "SUCCEEDED"
