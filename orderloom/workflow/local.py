"""Run an execution in process on a virtual clock: `orderloom workflow run-local`.

Tasks are served by plain Python callables keyed by the Resource string; they finish at the
instant they are scheduled. Timers fire in time order and the clock jumps to each, so a
one-hour Wait costs nothing. A Resource without a handler fails with `Orderloom.NoHandler`.
"""

from __future__ import annotations

import heapq
import importlib.util
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orderloom.workflow.core import advance
from orderloom.workflow.execution import ExecutionState
from orderloom.workflow.handlers import Handler, serve
from orderloom.workflow.limits import DEFAULT_LIMITS, Limits
from orderloom.workflow.messages import (
    CancelTimer,
    Command,
    HistoryEvent,
    Input,
    ScheduleTask,
    StartExecution,
    StartTimer,
    TimerFired,
)
from orderloom.workflow.states import Definition


@dataclass
class LocalResult:
    status: str
    output: Any
    error: str | None
    cause: str | None
    history: list[HistoryEvent]
    state: ExecutionState = field(repr=False)


class LocalRunner:
    """Feeds inputs to the core and serves its commands until nothing is left to do."""

    def __init__(
        self, handlers: Mapping[str, Handler], now: int = 0, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self.handlers = handlers
        self.limits = limits
        self.now = now
        self.state: ExecutionState | None = None
        self.history: list[HistoryEvent] = []
        self.tasks: deque[ScheduleTask] = deque()
        self.timers: list[tuple[int, int, str]] = []
        self.cancelled: set[str] = set()
        self.order = 0

    def feed(self, event: Input) -> None:
        """Apply `event`, then serve tasks and timers until the execution waits for nothing."""
        pending: Input | None = event
        while pending is not None:
            self.state, history, commands = advance(self.state, pending, self.limits)
            self.history.extend(history)
            self._take(commands)
            pending = self._next_input()

    def _take(self, commands: list[Command]) -> None:
        for command in commands:
            if isinstance(command, ScheduleTask):
                self.tasks.append(command)
            elif isinstance(command, StartTimer):
                self.order += 1
                heapq.heappush(self.timers, (command.fire_at, self.order, command.timer_id))
            elif isinstance(command, CancelTimer):
                self.cancelled.add(command.timer_id)

    def _next_input(self) -> Input | None:
        if self.tasks:
            return self._serve(self.tasks.popleft())
        while self.timers:
            fire_at, _, timer_id = heapq.heappop(self.timers)
            if timer_id in self.cancelled:
                self.cancelled.discard(timer_id)
                continue
            self.now = max(self.now, fire_at)
            return TimerFired(timer_id, self.now)
        return None

    def _serve(self, task: ScheduleTask) -> Input:
        return serve(self.handlers, task, self.now)

    def result(self) -> LocalResult:
        assert self.state is not None
        state = self.state
        return LocalResult(
            state.status, state.output, state.error, state.cause, self.history, state
        )


def run_local(
    definition: dict[str, Any] | Definition,
    input: Any,
    handlers: Mapping[str, Handler] | None = None,
    *,
    start_time: int = 0,
    execution_id: str = "local",
    workflow: str = "local",
    limits: Limits = DEFAULT_LIMITS,
) -> LocalResult:
    """Run one execution to its end on a virtual clock starting at `start_time` (epoch ms)."""
    runner = LocalRunner(handlers or {}, start_time, limits)
    runner.feed(StartExecution(execution_id, workflow, definition, input, start_time))
    return runner.result()


def load_handlers(path: Path) -> dict[str, Handler]:
    """The `HANDLERS` dict of a Python file; raises ValueError when there is none."""
    spec = importlib.util.spec_from_file_location(f"orderloom_handlers_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handlers = getattr(module, "HANDLERS", None)
    if not isinstance(handlers, dict):
        raise ValueError(f"{path}: defines no HANDLERS dict")
    return handlers
