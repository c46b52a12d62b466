"""Parallel and Map states: child frames inside the same execution, results kept in order.

A Map never holds more than MaxConcurrency children (0: no limit); a failing child cancels its
siblings and fails the state, whose own Retry and Catch then apply. A Map whose items, or whose
items times the input of one iteration, exceed the runner's limits fails with
States.DataLimitExceeded before any iteration starts, and no execution holds more than
`Limits.frames` frames at once.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from orderloom.workflow import interpreter
from orderloom.workflow import states as s
from orderloom.workflow.errors import DATA_LIMIT_EXCEEDED, RUNTIME, StatesError
from orderloom.workflow.execution import Frame
from orderloom.workflow.processing import (
    apply_input_path,
    apply_output_path,
    apply_result_path,
    apply_template,
    select,
)
from orderloom.workflow.run import Run, Scope
from orderloom.workflow.templates import render


def start(run: Run, frame: Frame, state: s.State) -> None:
    scope = Scope(frame.input, run, frame)
    effective = apply_input_path(state, frame.input, scope)
    if isinstance(state, s.Parallel):
        effective = apply_template(state.parameters, effective, scope)
        count = len(state.branches)
        _room(run, count)
        frame.results, frame.remaining, frame.running = [None] * count, count, count
        run.owned_results.add(frame.id)
        run.emit("ParallelStateStarted", {"name": state.name})
        for index, machine in enumerate(state.branches):
            child = run.new_frame(machine, frame.id, index)
            run.queue.append((child.id, run.state.definition.machines[machine].start_at, effective))
        return
    assert isinstance(state, s.Map)
    items = (
        effective
        if state.items_path is None
        else select(state.items_path, effective, scope, "ItemsPath")
    )
    if not isinstance(items, list):
        raise StatesError(RUNTIME, f"ItemsPath must select an array, not {type(items).__name__}")
    _check_items(run, frame, state, effective, items)
    frame.value, frame.items, frame.results = effective, items, [None] * len(items)
    frame.remaining, frame.running, frame.next_index = len(items), 0, 0
    run.owned_results.add(frame.id)
    run.emit("MapStateStarted", {"name": state.name, "length": len(items)})
    if items:
        _launch(run, frame, state)
    else:
        _succeed(run, frame, state)


def _launch(run: Run, frame: Frame, state: s.Map) -> None:
    """Start iterations up to MaxConcurrency; an ItemSelector failure fails the Map."""
    items = frame.items
    assert items is not None
    start_at = run.state.definition.machines[state.processor].start_at
    limit = state.max_concurrency or len(items)
    while frame.next_index < len(items) and frame.running < limit:
        index = frame.next_index
        frame.next_index += 1
        frame.running += 1
        value = items[index]
        if len(run.state.frames) >= run.limits.frames:
            cause = f"the execution would hold more than {run.limits.frames} frames at once"
            _fail(run, frame, state, DATA_LIMIT_EXCEEDED, cause)
            return
        if state.item_selector is not None:
            scope = Scope(frame.value, run, frame, (index, value))
            try:
                value = render(state.item_selector, scope)
            except StatesError as failure:
                _fail(run, frame, state, failure.error, failure.cause)
                return
        run.emit("MapIterationStarted", {"name": state.name, "index": index})
        child = run.new_frame(state.processor, frame.id, index)
        run.queue.append((child.id, start_at, value))


def _room(run: Run, count: int) -> None:
    if len(run.state.frames) + count > run.limits.frames:
        cause = f"the execution would hold more than {run.limits.frames} frames at once"
        raise StatesError(DATA_LIMIT_EXCEEDED, cause)


def _check_items(run: Run, frame: Frame, state: s.Map, effective: Any, items: list[Any]) -> None:
    """Refuse a Map before its iterations exist: too many items, or items times the input of
    one iteration (the first, rendered by the ItemSelector) more than a snapshot can hold."""
    limits = run.limits
    if len(items) > limits.map_items:
        cause = f'"{state.name}" has {len(items)} items; a Map may iterate over {limits.map_items}'
        raise StatesError(DATA_LIMIT_EXCEEDED, cause)
    chars = run.sizes.of(items)
    if items and state.item_selector is not None:
        scope = Scope(effective, run, frame, (0, items[0]))
        with suppress(StatesError):  # the first iteration fails the Map with it when it starts
            chars += len(items) * run.sizes.of(render(state.item_selector, scope))
    if chars > limits.map_chars:
        cause = (
            f'the items of "{state.name}" and the inputs of its {len(items)} iterations are '
            f"about {chars} characters of JSON, more than {limits.map_chars}"
        )
        raise StatesError(DATA_LIMIT_EXCEEDED, cause)


def child_succeeded(run: Run, parent_id: int, index: int, output: Any) -> None:
    frame = run.frame(parent_id)
    state = run.current(frame)
    run.results(frame)[index] = output
    frame.remaining -= 1
    frame.running -= 1
    if isinstance(state, s.Map):
        run.emit("MapIterationSucceeded", {"name": state.name, "index": index})
        if frame.remaining:
            _launch(run, frame, state)
            return
    if not frame.remaining:
        _succeed(run, frame, state)


def child_failed(run: Run, parent_id: int, index: int, error: str, cause: str) -> None:
    frame = run.frame(parent_id)
    state = run.current(frame)
    if isinstance(state, s.Map):
        run.emit(
            "MapIterationFailed",
            {"name": state.name, "index": index, "error": error, "cause": cause},
        )
    _fail(run, frame, state, error, cause)


def _fail(run: Run, frame: Frame, state: s.State, error: str, cause: str) -> None:
    run.drop_children(frame.id)
    _reset(frame)
    run.emit(
        f"{type(state).__name__}StateFailed", {"name": state.name, "error": error, "cause": cause}
    )
    interpreter.handle_error(run, frame, error, cause)


def _succeed(run: Run, frame: Frame, state: s.State) -> None:
    assert isinstance(state, s.Map | s.Parallel)
    results = frame.results
    _reset(frame)
    run.emit(f"{type(state).__name__}StateSucceeded", {"name": state.name})
    scope = Scope(results, run, frame)
    try:
        result = apply_template(state.result_selector, results, scope)
        output = apply_output_path(
            state, apply_result_path(state.result_path, frame.input, result), scope
        )
    except StatesError as failure:
        interpreter.handle_error(run, frame, failure.error, failure.cause)
        return
    interpreter.complete(run, frame, state, output)


def _reset(frame: Frame) -> None:
    frame.value = frame.items = frame.results = None
    frame.next_index = frame.running = frame.remaining = 0
