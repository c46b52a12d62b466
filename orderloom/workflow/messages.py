"""What goes into the core (inputs), what comes out (commands, history events).

Every message is a frozen dataclass with `to_dict()` and a `from_dict()` that reads it back, so
the Kafka runner can ship each as one record. Times are integer epoch milliseconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from orderloom.workflow.states import Definition


class Message:
    """Base of inputs and commands: `{"type": <class name>, <fields>...}` on the wire."""

    __slots__ = ()
    registry: ClassVar[dict[str, type[Message]]] = {}

    def __init_subclass__(cls) -> None:
        Message.registry[cls.__name__] = cls

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": type(self).__name__}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            data[field.name] = value.raw if isinstance(value, Definition) else value
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Any:
        fields = dict(data)
        cls = Message.registry[fields.pop("type")]
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class StartExecution(Message):
    execution_id: str
    workflow: str
    definition: dict[str, Any] | Definition
    input: Any
    time: int


@dataclass(frozen=True, slots=True)
class TaskSucceeded(Message):
    task_token: str
    output: Any
    time: int


@dataclass(frozen=True, slots=True)
class TaskFailed(Message):
    task_token: str
    error: str
    cause: str
    time: int


@dataclass(frozen=True, slots=True)
class TaskHeartbeat(Message):
    task_token: str
    time: int


@dataclass(frozen=True, slots=True)
class TimerFired(Message):
    timer_id: str
    time: int


@dataclass(frozen=True, slots=True)
class RedriveExecution(Message):
    """Restart a failed execution at the top-level state that failed.

    `edited_input`, when not None, replaces that state's raw input.
    """

    actor: str
    reason: str
    time: int
    edited_input: Any = None


Input = StartExecution | TaskSucceeded | TaskFailed | TaskHeartbeat | TimerFired | RedriveExecution


@dataclass(frozen=True, slots=True)
class ScheduleTask(Message):
    """Run `resource` with `input`; answer with TaskSucceeded/TaskFailed quoting `task_token`."""

    execution_id: str
    task_token: str
    resource: str
    input: Any
    state: str
    attempt: int
    timeout_at: int | None
    heartbeat_at: int | None


@dataclass(frozen=True, slots=True)
class StartTimer(Message):
    """Deliver TimerFired(timer_id) at `fire_at` (or at once, if that is past)."""

    execution_id: str
    timer_id: str
    fire_at: int


@dataclass(frozen=True, slots=True)
class CancelTimer(Message):
    """The timer is no longer wanted; firing it anyway is harmless (it is ignored)."""

    execution_id: str
    timer_id: str


Command = ScheduleTask | StartTimer | CancelTimer


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event of an execution's history, in Step Functions' vocabulary."""

    id: int
    previous_event_id: int
    timestamp: int
    type: str
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "previous_event_id": self.previous_event_id,
            "timestamp": self.timestamp,
            "type": self.type,
            "details": self.details,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> HistoryEvent:
        return HistoryEvent(
            data["id"], data["previous_event_id"], data["timestamp"], data["type"], data["details"]
        )
