"""Parse and validate an ASL definition (JSONPath mode) into the frozen types of `states`.

Everything that can be checked before running is checked here, so that a definition that loads
can only fail at run time because of its data; paths, templates, intrinsics and choice rules are
compiled once so that the interpreter never parses.
"""

from __future__ import annotations

import re
from typing import Any

from orderloom.workflow import states as s
from orderloom.workflow.choice import parse_choices
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.fields import Fields
from orderloom.workflow.limits import DEFINITION_DEPTH
from orderloom.workflow.retry import parse_catchers, parse_retriers

RESOURCE = re.compile(
    r"(local:[\w.\-/]+|service:[\w\-]+\.[\w\-.]+|vendor(-async)?:[\w\-]+\.[\w\-.]+|arn:\S+)\Z"
)
_COMMON = {"Type", "Comment", "InputPath", "OutputPath", "Next", "End"}
_ERRORS = {"Retry", "Catch"}
_RESULTS = {"Parameters", "ResultSelector", "ResultPath"}
_ALLOWED = {
    "Pass": _COMMON | {"Parameters", "Result", "ResultPath"},
    "Task": _COMMON
    | _RESULTS
    | _ERRORS
    | {
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
    },
    "Choice": {"Type", "Comment", "InputPath", "OutputPath", "Choices", "Default"},
    "Wait": _COMMON | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath"},
    "Fail": {"Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _COMMON | _RESULTS | _ERRORS | {"Branches"},
    "Map": _COMMON
    | _RESULTS
    | _ERRORS
    | {"ItemsPath", "ItemSelector", "MaxConcurrency", "ItemProcessor", "Iterator"},
}


def parse_definition(raw: Any) -> s.Definition:
    """Parse a definition (a dict, as loaded from JSON); raises DefinitionError."""
    if not isinstance(raw, dict):
        raise DefinitionError(None, "States", "a definition must be a JSON object")
    if _deeper_than(raw, DEFINITION_DEPTH):
        raise DefinitionError(None, "States", f"nests deeper than {DEFINITION_DEPTH} levels")
    top = Fields(
        raw,
        None,
        "",
        {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"},
    )
    if raw.get("QueryLanguage", "JSONPath") != "JSONPath":
        raise DefinitionError(None, "QueryLanguage", "only JSONPath is supported")
    machines: list[s.Machine | None] = []
    _machine(raw, None, "", machines)
    timeout = top.seconds("TimeoutSeconds")
    return s.Definition(tuple(m for m in machines if m is not None), timeout, raw)


def _deeper_than(raw: Any, limit: int) -> bool:
    """Whether JSON `raw` nests deeper than `limit`, found without recursion."""
    level: list[tuple[Any, int]] = [(raw, 1)]
    while level:
        value, depth = level.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            level.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            level.extend((child, depth + 1) for child in value)
    return False


def _machine(raw: Any, owner: str | None, prefix: str, machines: list[s.Machine | None]) -> int:
    if not isinstance(raw, dict):
        raise DefinitionError(
            owner, prefix.rstrip("."), "must be an object with StartAt and States"
        )
    index = len(machines)
    machines.append(None)
    start_at = raw.get("StartAt")
    states_raw = raw.get("States")
    if not isinstance(states_raw, dict) or not states_raw:
        raise DefinitionError(owner, prefix + "States", "must be a non-empty object")
    if not isinstance(start_at, str) or start_at not in states_raw:
        raise DefinitionError(owner, prefix + "StartAt", f"no state named {start_at!r}")
    parsed = {name: _state(name, body, machines) for name, body in states_raw.items()}
    for state in parsed.values():
        for field, target in _targets(state):
            if target not in parsed:
                raise DefinitionError(state.name, field, f'no state named "{target}"')
    reached, todo = {start_at}, [start_at]
    while todo:
        for _, target in _targets(parsed[todo.pop()]):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for name in parsed:
        if name not in reached:
            raise DefinitionError(name, "Type", f'not reachable from StartAt "{start_at}"')
    machines[index] = s.Machine(start_at, parsed)
    return index


def _targets(state: s.State) -> list[tuple[str, str]]:
    found = [("Next", state.next)] if state.next is not None else []
    if isinstance(state, s.Choice):
        found += [(f"Choices[{i}].Next", rule.next) for i, rule in enumerate(state.choices)]
        if state.default is not None:
            found.append(("Default", state.default))
    for i, catcher in enumerate(getattr(state, "catch", ())):
        found.append((f"Catch[{i}].Next", catcher.next))
    return found


def _state(name: str, raw: Any, machines: list[s.Machine | None]) -> s.State:
    if not isinstance(raw, dict):
        raise DefinitionError(name, "Type", "a state must be an object")
    kind = raw.get("Type")
    if not isinstance(kind, str) or kind not in _ALLOWED:
        raise DefinitionError(name, "Type", f"unknown state type {kind!r}")
    f = Fields(raw, name, "", _ALLOWED[kind])
    common: dict[str, Any] = {"name": name, "next": f.transition(kind)}
    common.update(f.io_paths())
    if kind == "Pass":
        return s.Pass(
            **common,
            parameters=f.template("Parameters"),
            result=raw.get("Result"),
            has_result="Result" in raw,
            result_path=f.result_path("ResultPath"),
        )
    if kind == "Task":
        return _task(f, common)
    if kind == "Choice":
        return s.Choice(**common, choices=parse_choices(f), default=f.string("Default"))
    if kind == "Wait":
        return _wait(f, common)
    if kind == "Succeed":
        return s.Succeed(**common)
    if kind == "Fail":
        f.exclusive("Error", "ErrorPath")
        f.exclusive("Cause", "CausePath")
        return s.Fail(
            **common,
            error=f.string("Error"),
            cause=f.string("Cause"),
            error_path=f.path_or_call("ErrorPath"),
            cause_path=f.path_or_call("CausePath"),
        )
    handling: dict[str, Any] = {
        "retry": parse_retriers(f),
        "catch": parse_catchers(f),
        "result_selector": f.template("ResultSelector"),
        "result_path": f.result_path("ResultPath"),
    }
    if kind == "Parallel":
        branches = raw.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise DefinitionError(name, "Branches", "must be a non-empty array of state machines")
        indices = tuple(
            _machine(b, name, f"Branches[{i}].", machines) for i, b in enumerate(branches)
        )
        return s.Parallel(
            **common, **handling, branches=indices, parameters=f.template("Parameters")
        )
    field = f.exactly_one("ItemProcessor", "Iterator")
    f.exclusive("ItemSelector", "Parameters")
    processor = raw[field]
    if (
        isinstance(processor, dict)
        and processor.get("ProcessorConfig", {}).get("Mode", "INLINE") != "INLINE"
    ):
        raise DefinitionError(name, f"{field}.ProcessorConfig.Mode", "only INLINE is supported")
    return s.Map(
        **common,
        **handling,
        processor=_machine(processor, name, f"{field}.", machines),
        items_path=f.reference_path("ItemsPath"),
        item_selector=f.template("ItemSelector") or f.template("Parameters"),
        max_concurrency=f.non_negative_int("MaxConcurrency") or 0,
    )


def _task(f: Fields, common: dict[str, Any]) -> s.Task:
    resource = f.string("Resource")
    if resource is None or not RESOURCE.match(resource):
        raise DefinitionError(
            f.state,
            "Resource",
            f"{resource!r} is not local:<name>, "
            "service:<service>.<action>, vendor[-async]:<vendor>.<operation> or arn:...",
        )
    f.exclusive("TimeoutSeconds", "TimeoutSecondsPath")
    f.exclusive("HeartbeatSeconds", "HeartbeatSecondsPath")
    timeout, heartbeat = f.seconds("TimeoutSeconds"), f.seconds("HeartbeatSeconds")
    if timeout is not None and heartbeat is not None and heartbeat >= timeout:
        raise DefinitionError(f.state, "HeartbeatSeconds", "must be smaller than TimeoutSeconds")
    return s.Task(
        **common,
        resource=resource,
        parameters=f.template("Parameters"),
        result_selector=f.template("ResultSelector"),
        result_path=f.result_path("ResultPath"),
        retry=parse_retriers(f),
        catch=parse_catchers(f),
        timeout_seconds=timeout,
        timeout_path=f.reference_path("TimeoutSecondsPath"),
        heartbeat_seconds=heartbeat,
        heartbeat_path=f.reference_path("HeartbeatSecondsPath"),
    )


def _wait(f: Fields, common: dict[str, Any]) -> s.Wait:
    f.exactly_one("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
    return s.Wait(
        **common,
        seconds=f.seconds("Seconds", 0),
        timestamp_us=f.timestamp("Timestamp"),
        seconds_path=f.reference_path("SecondsPath"),
        timestamp_path=f.reference_path("TimestampPath"),
    )
