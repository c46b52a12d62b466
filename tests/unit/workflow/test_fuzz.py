"""Fuzzing the core: for any definition that loads and any data, `advance` raises nothing.

A definition either fails to parse with a DefinitionError, or every input it is given ends in an
execution that runs, waits, succeeds or fails with an error and a cause: the runner never sees
an exception from the core (an OverflowError, a ValueError, a RecursionError...).
"""

from __future__ import annotations

import heapq
from contextlib import suppress
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orderloom.workflow.core import advance
from orderloom.workflow.definition import parse_definition
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.limits import MAX_EPOCH_MS, MAX_SECONDS
from orderloom.workflow.messages import (
    CancelTimer,
    Input,
    ScheduleTask,
    StartExecution,
    StartTimer,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)

big_ints = st.sampled_from([0, 1, -1, 2, 1000, 1001, MAX_SECONDS, MAX_SECONDS + 1, 2**63, 2**70])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    big_ints,
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["2016-03-14T01:59:00Z", "9999-12-31T23:59:59-01:00", "[[[]]]", "a,b"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)
expressions = st.sampled_from(
    [
        "$",
        "$.n",
        "$.a",
        "$.s",
        "$$.Execution.Input",
        "$.a[0]",
        "$..n",
        "States.ArrayRange($.n, $.m, $.n)",
        "States.ArrayRange(0, $.n, 1)",
        "States.Array($, $, $)",
        "States.ArrayPartition($.a, $.n)",
        "States.ArrayGetItem($.a, $.n)",
        "States.ArrayContains($.a, $.n)",
        "States.ArrayLength($.a)",
        "States.ArrayUnique($.a)",
        "States.StringSplit($.s, $.s)",
        "States.StringToJson($.s)",
        "States.JsonToString($)",
        "States.Format('{} and {}', $.s, $.a)",
        "States.Format($.s, $.n)",
        "States.Base64Encode($.s)",
        "States.Base64Decode($.s)",
        "States.Hash($, 'SHA-256')",
        "States.Hash($.s, $.s)",
        "States.JsonMerge($, $.a, false)",
        "States.MathRandom($.n, $.m)",
        "States.MathAdd($.n, $.m)",
        "States.UUID()",
    ]
)
reference = st.sampled_from(["$.n", "$.m", "$.s", "$.a", "$.missing", "$"])
seconds = st.one_of(st.integers(0, 10), st.sampled_from([MAX_SECONDS, 1]))


@st.composite
def rules(draw: st.DrawFn, next_state: str) -> dict[str, Any]:
    operator = draw(
        st.sampled_from(
            [
                "StringMatches",
                "StringEquals",
                "NumericLessThan",
                "NumericEqualsPath",
                "TimestampGreaterThan",
                "TimestampEqualsPath",
                "IsTimestamp",
                "IsPresent",
                "BooleanEquals",
            ]
        )
    )
    value: Any
    if operator.endswith("Path"):
        value = draw(reference)
    elif operator.startswith(("Is", "Boolean")):
        value = draw(st.booleans())
    elif operator.startswith("Numeric"):
        value = draw(st.one_of(big_ints, st.floats(allow_nan=False, allow_infinity=False)))
    elif operator.startswith("Timestamp"):
        value = "2016-03-14T01:59:00Z"
    else:
        value = draw(st.text(alphabet="ab*\\", max_size=8))
    return {"Variable": draw(reference), operator: value, "Next": next_state}


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A forward chain of states of every type, their fields drawn from adversarial values."""
    count = draw(st.integers(1, 6))
    states: dict[str, Any] = {}
    for i in range(count):
        name, after = f"S{i}", f"S{i + 1}"
        kind = draw(st.sampled_from(["Pass", "Task", "Wait", "Choice", "Map", "Parallel", "Fail"]))
        common = {"Next": after}
        if kind == "Pass":
            body: dict[str, Any] = {
                "Type": "Pass",
                "Parameters": {"x.$": draw(expressions), "y.$": draw(expressions)},
                "ResultPath": draw(st.sampled_from(["$", "$.r", "$.s.r", None])),
                **common,
            }
        elif kind == "Task":
            body = {"Type": "Task", "Resource": "local:t", **common}
            for field in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
                if draw(st.booleans()):
                    body[field] = draw(reference)
            body["Retry"] = [
                {
                    "ErrorEquals": ["States.ALL"],
                    "IntervalSeconds": draw(st.sampled_from([1, MAX_SECONDS])),
                    "MaxAttempts": draw(st.sampled_from([0, 2, MAX_SECONDS])),
                    "BackoffRate": draw(st.sampled_from([1.0, 2.0, 1e300])),
                }
            ]
            body["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": after}]
        elif kind == "Wait":
            field = draw(st.sampled_from(["Seconds", "SecondsPath", "TimestampPath", "Timestamp"]))
            value: Any = draw(reference)
            if field == "Seconds":
                value = draw(seconds)
            elif field == "Timestamp":
                value = "9999-12-31T23:59:59Z"
            body = {"Type": "Wait", field: value, **common}
        elif kind == "Choice":
            body = {"Type": "Choice", "Choices": [draw(rules(after))], "Default": after}
        elif kind == "Map":
            inner = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
            body = {
                "Type": "Map",
                "ItemsPath": draw(reference),
                "ItemSelector": {"v.$": "$$.Map.Item.Value", "e.$": draw(expressions)},
                "MaxConcurrency": draw(st.integers(0, 2)),
                "ItemProcessor": inner,
                **common,
            }
        elif kind == "Parallel":
            branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}
            body = {"Type": "Parallel", "Branches": [branch, branch], **common}
        else:
            body = {"Type": "Fail", "ErrorPath": draw(reference), "CausePath": draw(expressions)}
        states[name] = body
    states[f"S{count}"] = {"Type": "Succeed"}
    return {"StartAt": "S0", "TimeoutSeconds": draw(seconds.filter(bool)), "States": states}


inputs = st.fixed_dictionaries(
    {"n": values, "m": values, "s": values, "a": values},
)


def _drive(definition: dict[str, Any], data: Any, outputs: list[Any]) -> str:
    """Answer tasks with `outputs` (then failures), fire timers and send heartbeats in order."""
    start_ms = 1_700_000_000_000
    state, _, commands = advance(None, StartExecution("fuzz", "wf", definition, data, start_ms))
    timers: list[tuple[int, str]] = []
    tasks: list[ScheduleTask] = []
    answers = iter(outputs)
    for _ in range(200):
        assert state is not None
        for command in commands:
            if isinstance(command, StartTimer):
                assert command.fire_at <= MAX_EPOCH_MS
                heapq.heappush(timers, (command.fire_at, command.timer_id))
            elif isinstance(command, ScheduleTask):
                tasks.append(command)
            elif isinstance(command, CancelTimer):
                timers = [t for t in timers if t[1] != command.timer_id]
                heapq.heapify(timers)
        event: Input
        if tasks:
            task = tasks.pop(0)
            answer = next(answers, None)
            if answer is None:
                event = TaskFailed(task.task_token, "E", "failed", start_ms)
            else:
                heartbeat = advance(state, TaskHeartbeat(task.task_token, start_ms))
                assert heartbeat.state is not None
                state = heartbeat.state
                event = TaskSucceeded(task.task_token, answer, start_ms)
        elif timers:
            fire_at, timer_id = heapq.heappop(timers)
            event = TimerFired(timer_id, max(fire_at, start_ms))
        else:
            break
        state, _, commands = advance(state, event)
    assert state is not None
    if state.status == "FAILED":
        assert state.error is not None and state.cause is not None
    return state.status


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions(), inputs, st.lists(values, max_size=4))
def test_advance_raises_nothing_for_any_valid_definition_and_data(
    definition: dict[str, Any], data: Any, outputs: list[Any]
) -> None:
    try:
        parse_definition(definition)
    except DefinitionError:
        assume(False)
    assert _drive(definition, data, outputs) in ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT")


@settings(max_examples=300, deadline=None)
@given(definitions(), st.data())
def test_parsing_raises_only_definition_errors_whatever_a_field_holds(
    definition: dict[str, Any], data: st.DataObject
) -> None:
    state = data.draw(st.sampled_from(sorted(definition["States"])))
    body = definition["States"][state]
    field = data.draw(st.sampled_from([*sorted(body), "TimeoutSeconds", "Seconds", "Retry"]))
    body[field] = data.draw(values)
    with suppress(DefinitionError):
        parse_definition(definition)
