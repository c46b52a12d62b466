"""Input and output processing in the order the ASL specification gives.

InputPath -> Parameters -> (the state's work) -> ResultSelector -> ResultPath -> OutputPath.
"""

from __future__ import annotations

from typing import Any

from orderloom.workflow.errors import (
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
    PathMissing,
    StatesError,
)
from orderloom.workflow.paths import Path, set_path
from orderloom.workflow.run import Scope
from orderloom.workflow.states import State
from orderloom.workflow.templates import Template, render


def select(path: Path, data: Any, scope: Scope, field: str) -> Any:
    """A path's value; selecting nothing is States.Runtime, as Step Functions reports it."""
    try:
        return path.get(scope.context() if path.context else data)
    except PathMissing:
        raise StatesError(RUNTIME, f"{field}: the path {path.text} selected nothing") from None


def apply_input_path(state: State, raw: Any, scope: Scope) -> Any:
    if state.input_null:
        return {}
    if state.input_path is None:
        return raw
    return select(state.input_path, raw, scope, "InputPath")


def apply_template(template: Template | None, data: Any, scope: Scope) -> Any:
    if template is None:
        return data
    scope.data = data
    return render(template, scope)


def apply_result_path(path: Path | None, raw: Any, result: Any) -> Any:
    """Place `result` into the raw input (None path: discard the result)."""
    if path is None:
        return raw
    assert path.steps is not None
    try:
        return set_path(raw, path.steps, result)
    except PathMissing as missing:
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE,
            f"ResultPath {path.text} cannot be applied to the input: {missing} is not an object",
        ) from None


def apply_output_path(state: State, data: Any, scope: Scope) -> Any:
    if state.output_null:
        return {}
    if state.output_path is None:
        return data
    return select(state.output_path, data, scope, "OutputPath")
