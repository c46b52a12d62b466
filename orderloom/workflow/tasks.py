"""Task states: schedule the work, then take its result, failure, heartbeat or timeout."""

from __future__ import annotations

from typing import Any

from orderloom.workflow import interpreter
from orderloom.workflow import states as s
from orderloom.workflow.errors import (
    DATA_LIMIT_EXCEEDED,
    HEARTBEAT_TIMEOUT,
    RUNTIME,
    TIMEOUT,
    StatesError,
    shown,
)
from orderloom.workflow.execution import Frame
from orderloom.workflow.limits import MAX_SECONDS, VALUE_CHARS
from orderloom.workflow.messages import ScheduleTask
from orderloom.workflow.paths import Path
from orderloom.workflow.processing import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
    apply_template,
    select,
)
from orderloom.workflow.run import Run, Scope


def _seconds(
    fixed: int | None, path: Path | None, data: Any, scope: Scope, field: str
) -> int | None:
    if path is None:
        return fixed
    value = select(path, data, scope, field)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SECONDS:
        raise StatesError(
            RUNTIME, f"{field} selected {shown(value)}, not an integer from 1 to {MAX_SECONDS}"
        )
    return value


def schedule(run: Run, frame: Frame, state: s.Task) -> None:
    """Compute the task's input and ask the runner to run it, with its deadline timers."""
    frame.token = run.new_id(frame.id)
    scope = Scope(frame.input, run, frame)
    try:
        effective = apply_input_path(state, frame.input, scope)
        timeout = _seconds(
            state.timeout_seconds, state.timeout_path, effective, scope, "TimeoutSecondsPath"
        )
        heartbeat = _seconds(
            state.heartbeat_seconds, state.heartbeat_path, effective, scope, "HeartbeatSecondsPath"
        )
        task_input = apply_template(state.parameters, effective, scope)
        chars = run.sizes.of(task_input)
        if chars > VALUE_CHARS:
            cause = (
                f'the input of task "{state.name}" is {chars} characters, more than {VALUE_CHARS}'
            )
            raise StatesError(DATA_LIMIT_EXCEEDED, cause)
    except StatesError:
        frame.token = None
        raise
    frame.value = heartbeat
    timeout_at = None if timeout is None else run.time + timeout * 1000
    heartbeat_at = None if heartbeat is None else run.time + heartbeat * 1000
    run.emit(
        "TaskScheduled",
        {
            "name": state.name,
            "resource": state.resource,
            "input": task_input,
            "attempt": frame.attempt,
            "task_token": frame.token,
            "timeout_seconds": timeout,
            "heartbeat_seconds": heartbeat,
        },
    )
    run.commands.append(
        ScheduleTask(
            run.state.execution_id,
            frame.token,
            state.resource,
            task_input,
            state.name,
            frame.attempt,
            timeout_at,
            heartbeat_at,
        )
    )
    if timeout_at is not None:
        run.start_timer(frame, "timeout", timeout_at)
    if heartbeat_at is not None:
        run.start_timer(frame, "heartbeat", heartbeat_at)


def succeeded(run: Run, frame: Frame, output: Any) -> None:
    state = run.current(frame)
    assert isinstance(state, s.Task)
    run.emit(
        "TaskSucceeded",
        {
            "name": state.name,
            "resource": state.resource,
            "output": output,
            "attempt": frame.attempt,
        },
    )
    run.cancel_timers(frame)
    scope = Scope(output, run, frame)
    try:
        result = apply_template(state.result_selector, output, scope)
        merged = apply_result_path(state.result_path, frame.input, result)
        final = apply_output_path(state, merged, scope)
    except StatesError as failure:
        frame.token = frame.value = None
        interpreter.handle_error(run, frame, failure.error, failure.cause)
        return
    frame.token = frame.value = None
    interpreter.complete(run, frame, state, final)


def failed(run: Run, frame: Frame, error: str, cause: str, kind: str = "TaskFailed") -> None:
    state = run.current(frame)
    assert isinstance(state, s.Task)
    run.emit(
        kind,
        {
            "name": state.name,
            "resource": state.resource,
            "error": error,
            "cause": cause,
            "attempt": frame.attempt,
        },
    )
    run.cancel_timers(frame)
    frame.token = frame.value = None
    interpreter.handle_error(run, frame, error, cause)


def heartbeat(run: Run, frame: Frame) -> None:
    """A heartbeat pushes the heartbeat deadline out by HeartbeatSeconds from now."""
    if frame.value is None:
        return
    run.cancel_timers(frame, "heartbeat")
    run.start_timer(frame, "heartbeat", run.time + frame.value * 1000)


def timed_out(run: Run, frame: Frame, kind: str) -> None:
    error = TIMEOUT if kind == "timeout" else HEARTBEAT_TIMEOUT
    cause = (
        "the task ran longer than TimeoutSeconds"
        if kind == "timeout"
        else ("no heartbeat arrived within HeartbeatSeconds")
    )
    failed(run, frame, error, cause, "TaskTimedOut")
