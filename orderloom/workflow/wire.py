"""The engine's messages as envelopes on Kafka, and back.

Arbitrary JSON (inputs, outputs, definitions) travels as JSON text inside typed Avro
records. Envelope ids are derived (``<execution>/<event id>``, the task token), so a
record written again after a crash is recognisably the same record.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orderloom import jsontext
from orderloom.errors import TerminalError
from orderloom.events.envelope import Envelope
from orderloom.workflow.execution import ExecutionState
from orderloom.workflow.messages import (
    HistoryEvent,
    Input,
    RedriveExecution,
    ScheduleTask,
    StartExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)

SOURCE = "orderloom/workflow-runner"
NS = "orderloom.workflow."


class PoisonInput(TerminalError):
    """An input the engine cannot read; it fails its execution instead of stopping the runner."""


def epoch_ms(time: datetime) -> int:
    return int(time.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_input(envelope: Envelope) -> Input:
    """The core's input for a record of ``workflow.inputs``."""
    d, t = envelope.data, epoch_ms(envelope.time)
    try:
        match envelope.type.removeprefix(NS):
            case "StartExecution":
                definition = jsontext.loads(d["definition"])
                return StartExecution(
                    d["execution_id"], d["workflow"], definition, jsontext.loads(d["input"]), t
                )
            case "TaskSucceeded":
                return TaskSucceeded(d["task_token"], jsontext.loads(d["output"]), t)
            case "TaskFailed":
                return TaskFailed(d["task_token"], d["error"], d["cause"], t)
            case "TaskHeartbeat":
                return TaskHeartbeat(d["task_token"], t)
            case "TimerFired":
                return TimerFired(d["timer_id"], t)
            case "RedriveExecution":
                edited = d.get("edited_input")
                return RedriveExecution(
                    d["actor"], d["reason"], t, None if edited is None else jsontext.loads(edited)
                )
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise PoisonInput(f"{envelope.type}: {type(e).__name__}: {e}") from e
    raise PoisonInput(f"{envelope.type} is not a workflow input")


def start(
    execution_id: str,
    workflow: str,
    definition: dict[str, Any],
    input: Any,
    *,
    correlation_id: str | None = None,
) -> Envelope:
    """The envelope that starts an execution (an edge's call: fresh id, current time)."""
    data = {
        "execution_id": execution_id,
        "workflow": workflow,
        "definition": jsontext.dumps(definition),
        "input": jsontext.dumps(input),
    }
    return Envelope.new(
        NS + "StartExecution",
        "orderloom/workflow",
        execution_id,
        data,
        correlation_id=correlation_id or execution_id,
    )


@dataclass
class Entry:
    """What the runner keeps per execution: the core's state, its timers, its order."""

    state: ExecutionState
    correlation_id: str
    timers: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Entry:
        """A copy whose timers can change without touching this one (states are immutable)."""
        return Entry(self.state, self.correlation_id, dict(self.timers))

    def snapshot(self) -> bytes:
        """JSON, uncompressed: the producer compresses whole batches (lz4), in C."""
        body = {
            "core": self.state.to_dict(),
            "timers": self.timers,
            "correlation_id": self.correlation_id,
        }
        return jsontext.dump_bytes(body)

    @staticmethod
    def restore(blob: bytes) -> Entry:
        """An entry from its snapshot; one an earlier runner wrote zlib-compressed still reads."""
        body = jsontext.loads(blob if blob.startswith(b"{") else zlib.decompress(blob))
        return Entry(
            ExecutionState.from_dict(body["core"]),
            body["correlation_id"],
            {k: int(v) for k, v in body["timers"].items()},
        )


def _caused(
    entry: Entry, cause: Envelope, type: str, data: dict[str, Any], id: str, time: datetime
) -> Envelope:
    """A record of this execution caused by ``cause``: keyed and correlated by the execution."""
    return Envelope(
        type=type,
        source=SOURCE,
        key=entry.state.execution_id,
        data=data,
        id=id,
        time=time,
        correlation_id=entry.correlation_id,
        causation_id=cause.id,
        traceparent=cause.traceparent,
    )


def snapshot_envelope(entry: Entry, cause: Envelope) -> Envelope:
    state = entry.state
    data = {"execution_id": state.execution_id, "status": state.status, "state": entry.snapshot()}
    return _caused(
        entry,
        cause,
        NS + "ExecutionSnapshot",
        data,
        f"{state.execution_id}/snapshot/{state.last_event_id}",
        cause.time,
    )


def recorded(event: HistoryEvent) -> dict[str, Any]:
    """One history event as a ``RecordedEvent`` inside ``HistoryRecorded``."""
    return {
        "event_id": event.id,
        "previous_event_id": event.previous_event_id,
        "timestamp_ms": event.timestamp,
        "event_type": event.type,
        "details": jsontext.dumps(event.details),
    }


HISTORY_CHUNK = 500
"""Events per history record: a Map over thousands of items still writes bounded records."""


def history_envelopes(entry: Entry, events: list[HistoryEvent], cause: Envelope) -> list[Envelope]:
    """The events one input caused, as few records as the chunk size allows, in order."""
    state = entry.state
    chunks = [events[i : i + HISTORY_CHUNK] for i in range(0, len(events), HISTORY_CHUNK)]
    return [
        _caused(
            entry,
            cause,
            NS + "HistoryRecorded",
            {
                "execution_id": state.execution_id,
                "workflow": state.workflow,
                "events": [recorded(e) for e in chunk],
            },
            f"{state.execution_id}/{chunk[0].id}",
            from_epoch_ms(chunk[0].timestamp),
        )
        for chunk in chunks
    ]


def task_requested(
    entry: Entry, task: ScheduleTask, action: str, reply_topic: str, cause: Envelope
) -> Envelope:
    data = {
        "execution_id": task.execution_id,
        "task_token": task.task_token,
        "resource": task.resource,
        "action": action,
        "input": jsontext.dumps(task.input),
        "state": task.state,
        "attempt": task.attempt,
        "timeout_at_ms": task.timeout_at,
        "reply_topic": reply_topic,
    }
    return _caused(entry, cause, NS + "TaskRequested", data, task.task_token, cause.time)


def vendor_request(
    entry: Entry,
    task: ScheduleTask,
    vendor: str,
    operation: str,
    reply_topic: str | None,
    cause: Envelope,
) -> Envelope:
    """The gateway's request; the task token is its id and its idempotency key."""
    data = {
        "request_id": task.task_token,
        "vendor": vendor,
        "operation": operation,
        "lane": "sync" if reply_topic else "async",
        "body": jsontext.dumps(task.input),
        "idempotency_key": task.task_token,
        "deadline_ms": task.timeout_at,
        "reply_topic": reply_topic,
        "task_token": task.task_token if reply_topic else None,
    }
    return _caused(
        entry, cause, "orderloom.vendor.VendorRequest", data, task.task_token, cause.time
    )


def timer_fired(entry: Entry, timer_id: str, now: datetime) -> Envelope:
    execution_id = entry.state.execution_id
    return Envelope(
        type=NS + "TimerFired",
        source=SOURCE,
        key=execution_id,
        data={"execution_id": execution_id, "timer_id": timer_id},
        id=f"{timer_id}/fired",
        time=now,
        correlation_id=entry.correlation_id,
    )


def rejected_start(cause: Envelope, why: str) -> Envelope:
    """The history of an execution that could not start (e.g. an invalid definition):
    started and failed at once, so it is visible like any other failure."""
    data, at = cause.data, epoch_ms(cause.time)
    execution_id = str(data.get("execution_id", cause.key))
    failure = {"error": "Orderloom.StartRejected", "cause": why, "state": None}
    events = [
        HistoryEvent(
            1,
            0,
            at,
            "ExecutionStarted",
            {"input": _json_or_text(data.get("input")), "workflow": data.get("workflow")},
        ),
        HistoryEvent(2, 1, at, "ExecutionFailed", failure),
    ]
    return Envelope(
        type=NS + "HistoryRecorded",
        source=SOURCE,
        key=execution_id,
        data={
            "execution_id": execution_id,
            "workflow": str(data.get("workflow", "")),
            "events": [recorded(e) for e in events],
        },
        id=f"{execution_id}/1",
        time=cause.time,
        correlation_id=cause.correlation_id or execution_id,
        causation_id=cause.id,
    )


def _json_or_text(text: Any) -> Any:
    """Parsed JSON where the text is JSON, else the text itself (to show what came)."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
