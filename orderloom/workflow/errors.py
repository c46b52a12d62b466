"""Errors of the workflow engine: bad definitions, refused redrives, and ASL runtime errors."""

from __future__ import annotations

from typing import Any

from orderloom.errors import TerminalError

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
TERMINAL = (RUNTIME, DATA_LIMIT_EXCEEDED)
"""Errors no Retry or Catch handles: the execution fails with them."""
INTRINSIC_FAILURE = "States.IntrinsicFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"


class DefinitionError(TerminalError):
    """A state machine definition that cannot run; the message names the state and the field."""

    def __init__(self, state: str | None, field: str, problem: str) -> None:
        where = f'state "{state}"' if state is not None else "definition"
        super().__init__(f'{where}: field "{field}": {problem}')
        self.state = state
        self.field = field
        self.problem = problem


class RedriveRefused(TerminalError):
    """Only a FAILED or TIMED_OUT execution may be redriven."""


class StatesError(Exception):
    """An ASL error raised while a state runs; Retry and Catch see its `error` name."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class PathMissing(LookupError):
    """A path selected nothing; callers turn it into the ASL error their field calls for."""


def shown(value: Any) -> str:
    """A value as a cause quotes it: short, never a whole document or a thousand digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "an array"
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."
