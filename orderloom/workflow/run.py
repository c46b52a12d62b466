"""One call of `advance` in progress: the state being built and what it emits.

All ids (task tokens, timer ids, frame ids) and all "random" values come from the counter `seq`
kept in the state, hashed with the execution id, so replaying the same inputs reproduces them.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

from orderloom.workflow.execution import ExecutionState, Frame
from orderloom.workflow.limits import DEFAULT_LIMITS, MAX_EPOCH_MS, Limits, Sizes
from orderloom.workflow.messages import CancelTimer, Command, HistoryEvent, StartTimer
from orderloom.workflow.states import Machine, State
from orderloom.workflow.timestamps import format_ms


class Run:
    """Copy-on-write access to the state, plus the history and commands of this advance."""

    __slots__ = (
        "commands",
        "history",
        "limits",
        "owned",
        "owned_results",
        "queue",
        "sizes",
        "state",
        "time",
    )

    def __init__(self, state: ExecutionState, time: int, limits: Limits = DEFAULT_LIMITS) -> None:
        self.state = state
        self.time = time
        self.limits = limits
        self.sizes = Sizes()
        self.history: list[HistoryEvent] = []
        self.commands: list[Command] = []
        self.owned: set[int] = set()
        self.owned_results: set[int] = set()
        self.queue: deque[tuple[int, str, Any]] = deque()  # (frame id, state to enter, input)

    def emit(self, kind: str, details: dict[str, Any]) -> None:
        state = self.state
        previous = state.last_event_id
        state.last_event_id = previous + 1
        self.history.append(HistoryEvent(previous + 1, previous, self.time, kind, details))

    def next_seq(self) -> int:
        self.state.seq += 1
        return self.state.seq

    def new_id(self, frame_id: int | str) -> str:
        """A task token or timer id: `<execution id>/<frame id>/<counter>`."""
        return f"{self.state.execution_id}/{frame_id}/{self.next_seq()}"

    def entropy(self) -> bytes:
        seed = f"{self.state.execution_id}/{self.next_seq()}".encode()
        return hashlib.sha256(seed).digest()

    def frame(self, frame_id: int) -> Frame:
        """The frame, copied once per advance before it is written."""
        frame = self.state.frames[frame_id]
        if frame_id not in self.owned:
            frame = frame.copy()
            self.state.frames[frame_id] = frame
            self.owned.add(frame_id)
        return frame

    def results(self, frame: Frame) -> list[Any]:
        """The frame's result list, copied once per advance before it is written."""
        assert frame.results is not None
        if frame.id not in self.owned_results:
            frame.results = list(frame.results)
            self.owned_results.add(frame.id)
        return frame.results

    def new_frame(self, machine: int, parent: int | None, index: int) -> Frame:
        frame = Frame(self.next_seq(), machine, parent, index)
        self.state.frames[frame.id] = frame
        self.owned.add(frame.id)
        return frame

    def machine(self, frame: Frame) -> Machine:
        return self.state.definition.machines[frame.machine]

    def current(self, frame: Frame) -> State:
        return self.state.definition.machines[frame.machine].states[frame.state]

    def start_timer(self, frame: Frame, kind: str, fire_at: int) -> str:
        """A timer of the frame; none falls after year 9999 (what a datetime holds)."""
        fire_at = min(fire_at, MAX_EPOCH_MS)
        timer_id = self.new_id(frame.id)
        frame.timers = {**frame.timers, timer_id: kind}
        self.commands.append(StartTimer(self.state.execution_id, timer_id, fire_at))
        return timer_id

    def cancel_timers(self, frame: Frame, *kinds: str) -> None:
        """Cancel the frame's timers of these kinds (all of them when no kind is given)."""
        if not frame.timers:
            return
        kept = {}
        for timer_id, kind in frame.timers.items():
            if kinds and kind not in kinds:
                kept[timer_id] = kind
            else:
                self.commands.append(CancelTimer(self.state.execution_id, timer_id))
        frame.timers = kept

    def drop_children(self, parent: int) -> None:
        """Remove every frame below `parent`, cancelling their timers; their tokens go stale."""
        below: dict[int | None, list[int]] = {}
        for frame in self.state.frames.values():
            below.setdefault(frame.parent, []).append(frame.id)
        todo = list(below.get(parent, ()))
        while todo:
            frame = self.state.frames.pop(todo.pop())
            todo.extend(below.get(frame.id, ()))
            for timer_id in frame.timers:
                self.commands.append(CancelTimer(self.state.execution_id, timer_id))


class Scope:
    """The data a path or template reads, with `$$` built only when something asks for it."""

    __slots__ = ("data", "frame", "item", "run")

    def __init__(self, data: Any, run: Run, frame: Frame, item: tuple[int, Any] | None = None):
        self.data = data
        self.run = run
        self.frame = frame
        self.item = item

    def entropy(self) -> bytes:
        return self.run.entropy()

    def size(self, value: Any) -> int:
        return self.run.sizes.of(value)

    def context(self) -> Any:
        state, frame = self.run.state, self.frame
        context: dict[str, Any] = {
            "Execution": {
                "Id": state.execution_id,
                "Name": state.execution_id,
                "Input": state.input,
                "StartTime": format_ms(state.start_time),
                "RedriveCount": state.redrive_count,
            },
            "StateMachine": {"Id": state.workflow, "Name": state.workflow},
            "State": {
                "Name": frame.state,
                "EnteredTime": format_ms(frame.entered),
                "RetryCount": frame.attempt - 1,
            },
        }
        if frame.token is not None:
            context["Task"] = {"Token": frame.token}
        if self.item is not None:
            context["Map"] = {"Item": {"Index": self.item[0], "Value": self.item[1]}}
        return context
