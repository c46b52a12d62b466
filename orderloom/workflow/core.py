"""The pure core: `advance(state, input) -> Advance(state, history, commands)`.

No I/O, no clock, no randomness: the time comes with each input, ids and "random" values come
from a counter in the state. The state passed in is never modified. Inputs addressed to a task
token or timer that is no longer current are ignored, so duplicates and stale timers are harmless.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from orderloom.workflow import interpreter, tasks, waits
from orderloom.workflow.errors import RUNTIME, TIMEOUT, RedriveRefused
from orderloom.workflow.execution import (
    FAILED,
    RUNNING,
    TIMED_OUT,
    ExecutionState,
    Frame,
    load_definition,
)
from orderloom.workflow.limits import DEFAULT_LIMITS, MAX_EPOCH_MS, Limits
from orderloom.workflow.messages import (
    CancelTimer,
    Command,
    HistoryEvent,
    Input,
    RedriveExecution,
    StartExecution,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
)
from orderloom.workflow.run import Run


class Advance(NamedTuple):
    state: ExecutionState | None
    history: list[HistoryEvent]
    commands: list[Command]


def advance(state: ExecutionState | None, event: Input, limits: Limits = DEFAULT_LIMITS) -> Advance:
    """Apply one input; raises RedriveRefused for a redrive of a non-failed execution.

    Whatever the definition and its data, nothing else escapes: an execution that breaks a
    limit fails with a States.* error and a cause naming the limit.
    """
    if isinstance(event, StartExecution):
        return _start(event, limits) if state is None else Advance(state, [], [])
    if isinstance(event, RedriveExecution):
        return _redrive(state, event, limits)
    if state is None or state.status != RUNNING:
        return Advance(state, [], [])
    if isinstance(event, TimerFired):
        return _timer(state, event, limits)
    frame = _addressed(state, event.task_token)
    if frame is None:
        return Advance(state, [], [])
    run = Run(state.copy(), event.time, limits)
    owned = run.frame(frame.id)
    if isinstance(event, TaskSucceeded):
        tasks.succeeded(run, owned, event.output)
    elif isinstance(event, TaskFailed):
        tasks.failed(run, owned, event.error, event.cause)
    else:
        tasks.heartbeat(run, owned)
    return _finish(run)


def _start(event: StartExecution, limits: Limits) -> Advance:
    definition = load_definition(event.definition)
    state = ExecutionState(event.execution_id, event.workflow, definition, event.input, event.time)
    run = Run(state, event.time, limits)
    run.emit(
        "ExecutionStarted",
        {"input": event.input, "workflow": event.workflow, "execution_id": event.execution_id},
    )
    _begin(run, definition.top.start_at, event.input)
    return _finish(run)


def _begin(run: Run, state_name: str, data: Any) -> None:
    """Start the top-level frame (and the execution's TimeoutSeconds clock, if any)."""
    root = run.new_frame(0, None, 0)
    timeout = run.state.definition.timeout_seconds
    if timeout is not None:
        run.state.exec_timer = run.new_id("-")
        fire_at = min(run.time + timeout * 1000, MAX_EPOCH_MS)
        run.commands.append(StartTimer(run.state.execution_id, run.state.exec_timer, fire_at))
    run.queue.append((root.id, state_name, data))


def _redrive(state: ExecutionState | None, event: RedriveExecution, limits: Limits) -> Advance:
    if state is None:
        raise RedriveRefused("no such execution: it was never started")
    if state.status not in (FAILED, TIMED_OUT):
        raise RedriveRefused(
            f"execution {state.execution_id} is {state.status}; only a FAILED or TIMED_OUT "
            "execution can be redriven"
        )
    assert state.failed_state is not None
    run = Run(state.copy(), event.time, limits)
    new = run.state
    new.status, new.error, new.cause, new.output = RUNNING, None, None, None
    new.redrive_count += 1
    data = state.failed_input if event.edited_input is None else event.edited_input
    details = {
        "actor": event.actor,
        "reason": event.reason,
        "redrive_count": new.redrive_count,
        "state": state.failed_state,
        "input_edited": event.edited_input is not None,
        "input": data,
    }
    run.emit("ExecutionRedriven", details)
    _begin(run, state.failed_state, data)
    return _finish(run)


def _addressed(state: ExecutionState, token: str) -> Frame | None:
    """The frame whose current task holds `token`, or None when the token is not current."""
    execution_id, _, _counter = token.rpartition("/")
    execution_id, _, frame_id = execution_id.rpartition("/")
    if execution_id != state.execution_id or not _is_frame_id(frame_id):
        return None
    frame = state.frames.get(int(frame_id))
    if frame is None or frame.token != token:
        return None
    return frame


def _is_frame_id(text: str) -> bool:
    """Whether a token's or timer id's middle part can be a frame id: tokens come from other
    services, and `int` refuses some of what `str.isdigit` accepts (superscripts, 5,000 digits)."""
    return text.isascii() and text.isdecimal() and len(text) < 19


def _timer(state: ExecutionState, event: TimerFired, limits: Limits) -> Advance:
    if event.timer_id == state.exec_timer:
        return _timed_out(state, event.time)
    prefix, _, _ = event.timer_id.rpartition("/")
    execution_id, _, frame_id = prefix.rpartition("/")
    if execution_id != state.execution_id or not _is_frame_id(frame_id):
        return Advance(state, [], [])
    frame = state.frames.get(int(frame_id))
    if frame is None or event.timer_id not in frame.timers:
        return Advance(state, [], [])
    run = Run(state.copy(), event.time, limits)
    owned = run.frame(frame.id)
    kind = owned.timers[event.timer_id]
    owned.timers = {t: k for t, k in owned.timers.items() if t != event.timer_id}
    if kind == "wait":
        waits.wait_over(run, owned)
    elif kind == "retry":
        interpreter.retry_due(run, owned)
    else:
        tasks.timed_out(run, owned, kind)
    return _finish(run)


def _timed_out(state: ExecutionState, time: int) -> Advance:
    cause = "the execution ran longer than the definition's TimeoutSeconds"
    run = Run(state.copy(), time)
    _stop(run, TIMED_OUT, TIMEOUT, cause, "ExecutionTimedOut")
    return Advance(run.state, run.history, run.commands)


def fail_execution(state: ExecutionState, error: str, cause: str, time: int) -> Advance:
    """Fail a running execution from outside its definition (an input it cannot survive).

    The failure is recorded like any other, so the execution is visible and redrivable
    from the top-level state it was in.
    """
    if state.status != RUNNING:
        return Advance(state, [], [])
    run = Run(state.copy(), time)
    _stop(run, FAILED, error, cause, "ExecutionFailed")
    return Advance(run.state, run.history, run.commands)


def _stop(run: Run, status: str, error: str, cause: str, event: str) -> None:
    """End the execution where it stands: every timer cancelled, every frame dropped."""
    new = run.state
    root = next((f for f in new.frames.values() if f.parent is None), None)
    new.status, new.error, new.cause = status, error, cause
    if root is not None:
        new.failed_state, new.failed_input = root.state, root.input
    new.exec_timer = None
    run.emit(event, {"error": error, "cause": cause, "state": new.failed_state})
    for frame in new.frames.values():
        for timer_id in frame.timers:
            run.commands.append(CancelTimer(new.execution_id, timer_id))
    new.frames = {}


MAX_TRANSITIONS = 100_000
"""State entries one input may cause; past it the definition loops without waiting."""


def _finish(run: Run) -> Advance:
    """Run every queued transition to the point where each frame waits for an input."""
    queue = run.queue
    entered = 0
    while queue:
        entered += 1
        if entered > MAX_TRANSITIONS:
            queue.clear()
            cause = f"more than {MAX_TRANSITIONS} state transitions without waiting for an input"
            _stop(run, FAILED, RUNTIME, cause, "ExecutionFailed")
            break
        frame_id, name, data = queue.popleft()
        interpreter.enter(run, frame_id, name, data)
    return Advance(run.state, run.history, run.commands)
