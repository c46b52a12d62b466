"""Wait states: a timer until Seconds/Timestamp (or their *Path forms), then pass the input on."""

from __future__ import annotations

from orderloom.workflow import interpreter
from orderloom.workflow import states as s
from orderloom.workflow.errors import RUNTIME, StatesError, shown
from orderloom.workflow.execution import Frame
from orderloom.workflow.limits import MAX_SECONDS
from orderloom.workflow.processing import apply_input_path, apply_output_path, select
from orderloom.workflow.run import Run, Scope
from orderloom.workflow.timestamps import parse_timestamp


def start(run: Run, frame: Frame, state: s.Wait) -> None:
    scope = Scope(frame.input, run, frame)
    effective = apply_input_path(state, frame.input, scope)
    if state.seconds is not None:
        fire_at = run.time + state.seconds * 1000
    elif state.timestamp_us is not None:
        fire_at = state.timestamp_us // 1000
    elif state.seconds_path is not None:
        seconds = select(state.seconds_path, effective, scope, "SecondsPath")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 0 <= seconds <= MAX_SECONDS
        ):
            raise StatesError(
                RUNTIME,
                f"SecondsPath selected {shown(seconds)}, not an integer from 0 to {MAX_SECONDS}",
            )
        fire_at = run.time + seconds * 1000
    else:
        assert state.timestamp_path is not None
        stamp = select(state.timestamp_path, effective, scope, "TimestampPath")
        micros = parse_timestamp(stamp)
        if micros is None:
            raise StatesError(
                RUNTIME, f"TimestampPath selected {shown(stamp)}, not an RFC 3339 timestamp"
            )
        fire_at = micros // 1000
    frame.value = effective
    run.start_timer(frame, "wait", fire_at)


def wait_over(run: Run, frame: Frame) -> None:
    state = run.current(frame)
    try:
        output = apply_output_path(state, frame.value, Scope(frame.value, run, frame))
    except StatesError as failure:
        interpreter.handle_error(run, frame, failure.error, failure.cause)
        return
    frame.value = None
    interpreter.complete(run, frame, state, output)
