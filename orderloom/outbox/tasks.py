"""The workflow's task contract as a service sees it: a ``TaskRequested`` in, an answer out.

A service answers ``TaskSucceeded`` (output as JSON text) or ``TaskFailed`` (an ASL error
name and plain words) with the request's token, keyed by the execution, on the request's
reply topic. The answer's id is derived from the token, so one written again is the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderloom.events.envelope import Envelope

TASK_REQUESTED = "orderloom.workflow.TaskRequested"
TASK_SUCCEEDED = "orderloom.workflow.TaskSucceeded"
TASK_FAILED = "orderloom.workflow.TaskFailed"
POISON_INPUT = "Orderloom.PoisonInput"
"""The error of a task whose request the service cannot apply (it is dead-lettered)."""
CAUSE_LIMIT = 8192


@dataclass(frozen=True)
class Caller:
    """Who waits for an answer, with what it needs to be found again later."""

    task_token: str
    execution_id: str
    reply_topic: str
    correlation_id: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "task_token": self.task_token,
            "execution_id": self.execution_id,
            "reply_topic": self.reply_topic,
            "correlation_id": self.correlation_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Caller:
        return cls(d["task_token"], d["execution_id"], d["reply_topic"], d.get("correlation_id"))


@dataclass(frozen=True)
class Task:
    """A decoded ``TaskRequested``: the action, its JSON input (text) and who to answer."""

    action: str
    input: str
    attempt: int
    timeout_at_ms: int | None
    caller: Caller
    envelope: Envelope

    @classmethod
    def of(cls, envelope: Envelope) -> Task:
        d = envelope.data
        caller = Caller(
            d["task_token"],
            d["execution_id"],
            d["reply_topic"],
            envelope.correlation_id or envelope.key,
        )
        return cls(d["action"], d["input"], d["attempt"], d["timeout_at_ms"], caller, envelope)


def answer(
    caller: Caller,
    *,
    source: str,
    time: datetime,
    causation_id: str | None,
    output: Any = None,
    error: str | None = None,
    cause: str = "",
) -> Envelope:
    """``TaskFailed`` when ``error`` is given, else ``TaskSucceeded`` carrying ``output``."""
    data: dict[str, Any] = {"execution_id": caller.execution_id, "task_token": caller.task_token}
    if error is None:
        kind, data["output"] = TASK_SUCCEEDED, json.dumps(output)
    else:
        kind, data["error"], data["cause"] = TASK_FAILED, error, cause[:CAUSE_LIMIT]
    return Envelope(
        type=kind,
        source=source,
        key=caller.execution_id,
        data=data,
        id=f"{caller.task_token}/answer",
        time=time,
        correlation_id=caller.correlation_id or caller.execution_id,
        causation_id=causation_id,
    )
