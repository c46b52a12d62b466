"""Moving one frame through its states: enter, do the state's work, exit, handle errors."""

from __future__ import annotations

from typing import Any

from orderloom.workflow import fanout, tasks, waits
from orderloom.workflow import states as s
from orderloom.workflow.choice import matches
from orderloom.workflow.errors import (
    DATA_LIMIT_EXCEEDED,
    NO_CHOICE_MATCHED,
    RUNTIME,
    TERMINAL,
    StatesError,
    shown,
)
from orderloom.workflow.execution import FAILED, SUCCEEDED, Frame
from orderloom.workflow.intrinsics import evaluate_call
from orderloom.workflow.limits import VALUE_CHARS
from orderloom.workflow.messages import CancelTimer
from orderloom.workflow.paths import Path
from orderloom.workflow.processing import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
    apply_template,
    select,
)
from orderloom.workflow.retry import backoff_ms, error_matches, find_retrier
from orderloom.workflow.run import Run, Scope


def enter(run: Run, frame_id: int, name: str, data: Any) -> None:
    """Enter state `name` of the frame with raw input `data` and run it as far as it goes."""
    if frame_id not in run.state.frames:
        return  # the frame was cancelled after this transition was queued
    frame = run.frame(frame_id)
    frame.state, frame.input, frame.entered = name, data, run.time
    frame.attempt, frame.retries, frame.token, frame.value = 1, (), None, None
    state = run.current(frame)
    run.emit(f"{type(state).__name__}StateEntered", {"name": name, "input": data})
    execute(run, frame, state)


def execute(run: Run, frame: Frame, state: s.State) -> None:
    """Do the work of the frame's current state (again, after a retry)."""
    try:
        if isinstance(state, s.Task):
            tasks.schedule(run, frame, state)
        elif isinstance(state, s.Pass):
            scope = Scope(frame.input, run, frame)
            effective = apply_input_path(state, frame.input, scope)
            result = (
                state.result
                if state.has_result
                else apply_template(state.parameters, effective, scope)
            )
            output = apply_result_path(state.result_path, frame.input, result)
            complete(run, frame, state, apply_output_path(state, output, scope))
        elif isinstance(state, s.Choice):
            _choose(run, frame, state)
        elif isinstance(state, s.Wait):
            waits.start(run, frame, state)
        elif isinstance(state, s.Succeed):
            scope = Scope(frame.input, run, frame)
            output = apply_output_path(state, apply_input_path(state, frame.input, scope), scope)
            complete(run, frame, state, output)
        elif isinstance(state, s.Fail):
            _fail(run, frame, state)
        else:
            fanout.start(run, frame, state)
    except StatesError as failure:
        handle_error(run, frame, failure.error, failure.cause)


def _choose(run: Run, frame: Frame, state: s.Choice) -> None:
    scope = Scope(frame.input, run, frame)
    effective = apply_input_path(state, frame.input, scope)
    target = next((c.next for c in state.choices if matches(c.rule, effective)), state.default)
    if target is None:
        raise StatesError(NO_CHOICE_MATCHED, f'no choice rule of "{state.name}" matched')
    output = apply_output_path(state, effective, scope)
    run.emit("ChoiceStateExited", {"name": state.name, "output": output})
    run.queue.append((frame.id, target, output))


def _fail(run: Run, frame: Frame, state: s.Fail) -> None:
    scope = Scope(frame.input, run, frame)
    texts: list[str | None] = []
    for fixed, dynamic, field in (
        (state.error, state.error_path, "ErrorPath"),
        (state.cause, state.cause_path, "CausePath"),
    ):
        if dynamic is None:
            texts.append(fixed)
            continue
        value = (
            select(dynamic, frame.input, scope, field)
            if isinstance(dynamic, Path)
            else evaluate_call(dynamic, scope)
        )
        if not isinstance(value, str):
            raise StatesError(RUNTIME, f"{field} selected {shown(value)}, not a string")
        texts.append(value)
    finish_frame_failed(run, frame, texts[0] or "", texts[1] or "")


def complete(run: Run, frame: Frame, state: s.State, output: Any) -> None:
    """Exit the state with `output`: go to Next, or end the frame.

    An output above VALUE_CHARS fails the state with States.DataLimitExceeded, so that no
    definition can double its data state after state into more than a snapshot holds (a Wait's
    or a Succeed's output is part of its input, which was measured).
    """
    chars = 0 if isinstance(state, (s.Wait, s.Succeed)) else run.sizes.of(output)
    if chars > VALUE_CHARS:
        cause = (
            f'the output of "{state.name}" is {chars} characters of JSON, more than {VALUE_CHARS}'
        )
        handle_error(run, frame, DATA_LIMIT_EXCEEDED, cause)
        return
    run.emit(f"{type(state).__name__}StateExited", {"name": state.name, "output": output})
    if state.next is not None:
        run.queue.append((frame.id, state.next, output))
    else:
        finish_frame(run, frame, output)


def handle_error(run: Run, frame: Frame, error: str, cause: str) -> None:
    """Retry, then Catch, then fail the frame; States.Runtime and States.DataLimitExceeded are
    never retried or caught."""
    state = run.current(frame)
    retriers = getattr(state, "retry", ())
    index = find_retrier(retriers, error) if error not in TERMINAL else None
    if index is not None:
        counts = list(frame.retries or (0,) * len(retriers))
        if counts[index] < retriers[index].max_attempts:
            counts[index] += 1
            frame.retries = tuple(counts)
            seed = f"{run.state.execution_id}/{run.next_seq()}"
            run.start_timer(
                frame, "retry", run.time + backoff_ms(retriers[index], counts[index], seed)
            )
            return
    catchers = getattr(state, "catch", ()) if error not in TERMINAL else ()
    for catcher in catchers:
        if error_matches(catcher.error_equals, error):
            error_output = {"Error": error, "Cause": cause}
            try:
                output = apply_result_path(catcher.result_path, frame.input, error_output)
            except StatesError as failure:
                finish_frame_failed(run, frame, failure.error, failure.cause)
                return
            run.emit(
                f"{type(state).__name__}StateExited",
                {"name": state.name, "output": output, "error": error, "cause": cause},
            )
            run.queue.append((frame.id, catcher.next, output))
            return
    finish_frame_failed(run, frame, error, cause)


def retry_due(run: Run, frame: Frame) -> None:
    frame.attempt += 1
    execute(run, frame, run.current(frame))


def finish_frame(run: Run, frame: Frame, output: Any) -> None:
    del run.state.frames[frame.id]
    if frame.parent is not None:
        fanout.child_succeeded(run, frame.parent, frame.index, output)
        return
    state = run.state
    state.status, state.output = SUCCEEDED, output
    run.emit("ExecutionSucceeded", {"output": output})
    _end_execution(run)


def finish_frame_failed(run: Run, frame: Frame, error: str, cause: str) -> None:
    del run.state.frames[frame.id]
    run.cancel_timers(frame)
    if frame.parent is not None:
        fanout.child_failed(run, frame.parent, frame.index, error, cause)
        return
    state = run.state
    state.status, state.error, state.cause = FAILED, error, cause
    state.failed_state, state.failed_input = frame.state, frame.input
    run.emit("ExecutionFailed", {"error": error, "cause": cause, "state": frame.state})
    _end_execution(run)


def _end_execution(run: Run) -> None:
    """Stop everything still running (nothing, unless the execution timed out) and the clock."""
    for frame_id in list(run.state.frames):
        run.cancel_timers(run.frame(frame_id))
    run.state.frames = {}
    if run.state.exec_timer is not None:
        run.commands.append(CancelTimer(run.state.execution_id, run.state.exec_timer))
        run.state.exec_timer = None
    run.queue.clear()
