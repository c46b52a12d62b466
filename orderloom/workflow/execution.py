"""The snapshot of one execution: what `advance` needs to continue, and nothing of its history.

A frame is one sequential run of states: the top level, a Parallel branch or a Map iteration.
Frames sit in a flat dict keyed by id, so a transition copies only the frames it touches.
Treat both classes as immutable once returned from `advance`; the core copies before writing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from orderloom import jsontext
from orderloom.workflow.definition import parse_definition
from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.states import Definition

RUNNING, SUCCEEDED, FAILED, TIMED_OUT = "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT"

_FRAME_FIELDS = (
    "id",
    "machine",
    "parent",
    "index",
    "state",
    "input",
    "entered",
    "attempt",
    "retries",
    "token",
    "timers",
    "value",
    "items",
    "results",
    "next_index",
    "running",
    "remaining",
)
_STATE_FIELDS = (
    "execution_id",
    "workflow",
    "status",
    "input",
    "output",
    "error",
    "cause",
    "start_time",
    "redrive_count",
    "last_event_id",
    "seq",
    "exec_timer",
    "failed_state",
    "failed_input",
)


class Frame:
    """Where one sequential run stands: its current state, raw input, attempt and timers.

    `value` is the state's effective input where it is needed later (Wait, Map, Parallel);
    `items`/`results`/`next_index`/`running`/`remaining` track a Map's or Parallel's children.
    """

    __slots__ = _FRAME_FIELDS

    def __init__(self, id: int, machine: int, parent: int | None, index: int) -> None:
        self.id = id
        self.machine = machine
        self.parent = parent
        self.index = index
        self.state = ""
        self.input: Any = None
        self.entered = 0
        self.attempt = 1
        self.retries: tuple[int, ...] = ()
        self.token: str | None = None
        self.timers: dict[str, str] = {}
        self.value: Any = None
        self.items: list[Any] | None = None
        self.results: list[Any] | None = None
        self.next_index = 0
        self.running = 0
        self.remaining = 0

    def copy(self) -> Frame:
        twin = Frame.__new__(Frame)
        for name in _FRAME_FIELDS:
            setattr(twin, name, getattr(self, name))
        return twin

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FRAME_FIELDS}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Frame:
        frame = Frame.__new__(Frame)
        for name in _FRAME_FIELDS:
            setattr(frame, name, data[name])
        frame.retries = tuple(data["retries"])
        return frame


class ExecutionState:
    """One execution: status, counters for deterministic ids, and its live frames."""

    __slots__ = (*_STATE_FIELDS, "definition", "frames")

    def __init__(
        self, execution_id: str, workflow: str, definition: Definition, input: Any, start_time: int
    ) -> None:
        self.execution_id = execution_id
        self.workflow = workflow
        self.definition = definition
        self.status = RUNNING
        self.input = input
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.start_time = start_time
        self.redrive_count = 0
        self.last_event_id = 0
        self.seq = 0
        self.exec_timer: str | None = None
        self.failed_state: str | None = None
        self.failed_input: Any = None
        self.frames: dict[int, Frame] = {}

    def copy(self) -> ExecutionState:
        """A shallow copy with its own frame table (frames themselves are shared)."""
        twin = ExecutionState.__new__(ExecutionState)
        for name in ExecutionState.__slots__:
            setattr(twin, name, getattr(self, name))
        twin.frames = dict(self.frames)
        return twin

    def compacted(self) -> ExecutionState:
        """A succeeded execution as little as it must be kept: its documents dropped
        (the read model has them); enough remains to refuse a redrive or a second start."""
        twin = self.copy()
        twin.input = twin.output = None
        return twin

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _STATE_FIELDS}
        data["definition"] = self.definition.raw
        data["frames"] = [frame.to_dict() for frame in self.frames.values()]
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ExecutionState:
        state = ExecutionState.__new__(ExecutionState)
        for name in _STATE_FIELDS:
            setattr(state, name, data[name])
        state.definition = load_definition(data["definition"])
        frames = (Frame.from_dict(f) for f in data["frames"])
        state.frames = {frame.id: frame for frame in frames}
        return state


def load_definition(raw: dict[str, Any] | Definition) -> Definition:
    """Parse a definition, reusing the parse of an identical one (parsing is pure)."""
    if isinstance(raw, Definition):
        return raw
    try:
        text = jsontext.dumps(raw, sort_keys=True)
    except RecursionError:
        raise DefinitionError(
            None, "States", "nests deeper than JSON text can be written"
        ) from None
    return _parse_cached(text)


@lru_cache(maxsize=256)
def _parse_cached(text: str) -> Definition:
    return parse_definition(json.loads(text))
