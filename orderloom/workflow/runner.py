"""The workflow runner: the pure core hosted on Kafka, exactly once per input.

Each batch of ``workflow.inputs`` is advanced through the core; the history events, the
commands for other services, the durable timers that fell due and one snapshot per
execution touched are produced in the same transaction as the consumed offsets (see
``orderloom.kafka.processor``). What a batch changed is held aside until the transaction
commits, and forgotten if it aborts, because then the batch is read again.

``local:`` tasks run here and now, their result fed straight back to the core (their
handlers must be deterministic: a replay runs them again). ``vendor-async:`` tasks succeed
once their request is in the transaction. Everything else waits for a reply on
``workflow.inputs``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from confluent_kafka import TopicPartition

from orderloom.errors import PoisonRecord
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing, Received
from orderloom.settings import KafkaSettings
from orderloom.workflow import snapshots, wire
from orderloom.workflow.core import Advance, advance, fail_execution
from orderloom.workflow.errors import RedriveRefused
from orderloom.workflow.execution import SUCCEEDED
from orderloom.workflow.handlers import NO_HANDLER, Handler, serve
from orderloom.workflow.limits import DEFAULT_LIMITS, Limits
from orderloom.workflow.messages import (
    CancelTimer,
    HistoryEvent,
    Input,
    ScheduleTask,
    StartExecution,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
)
from orderloom.workflow.routing import Local, Service, Vendor, route
from orderloom.workflow.timers import TimerQueue
from orderloom.workflow.wire import Entry, PoisonInput

log = logging.getLogger(__name__)
Out = list[tuple[str, Envelope]]
POISON = "Orderloom.PoisonInput"
INTERNAL = "Orderloom.InternalError"


class Topics:
    """The deployed names of the topics the runner reads and writes."""

    def __init__(self, name: Callable[[str], str]) -> None:
        self.name = name
        self.inputs = name("workflow.inputs")
        self.history = name("workflow.history")
        self.snapshots = name("workflow.snapshots")
        self.vendor_requests = name("vendor.requests")


class WorkflowRunner:
    """A ``BatchHandler`` owning the executions of its assigned input partitions."""

    def __init__(
        self,
        kafka: KafkaSettings,
        codec: EventCodec,
        topics: Topics,
        handlers: dict[str, Handler],
        clock: Callable[[], float] = time.time,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._kafka, self._codec, self._topics = kafka, codec, topics
        self._handlers, self._clock, self._limits = handlers, clock, limits
        self._entries: dict[str, tuple[int, Entry]] = {}
        self._pending: dict[str, tuple[int, Entry]] = {}
        self._timers = TimerQueue()

    def handle(self, batch: list[Received]) -> Sequence[Outgoing]:
        out: Out = []
        touched: dict[str, Envelope] = {}
        for record in batch:
            self._step(record.envelope.key, record.partition, record.envelope, out)
            touched[record.envelope.key] = record.envelope
        for execution_id, cause in touched.items():
            if execution_id in self._pending:
                entry = self._pending[execution_id][1]
                out.append((self._topics.snapshots, wire.snapshot_envelope(entry, cause)))
        return [Outgoing.event(self._codec, topic, envelope) for topic, envelope in out]

    def due(self) -> Sequence[Outgoing]:
        now = int(self._clock() * 1000)
        at = datetime.fromtimestamp(now / 1000, UTC)
        return [
            Outgoing.event(
                self._codec,
                self._topics.inputs,
                wire.timer_fired(self._entries[eid][1], timer_id, at),
            )
            for _, eid, timer_id in self._timers.due(now, self._timers_of)
        ]

    def _timers_of(self, execution_id: str) -> dict[str, int]:
        held = self._entries.get(execution_id)
        return {} if held is None else held[1].timers

    def committed(self) -> None:
        for execution_id, held in self._pending.items():
            self._entries[execution_id] = held
            self._timers.track(execution_id, held[1].timers)
        self._pending.clear()
        self._timers.committed()

    def aborted(self) -> None:
        self._pending.clear()
        self._timers.aborted()

    def refused(self, record: Received, error: PoisonRecord) -> Sequence[Outgoing]:
        """Fail the execution ``record`` belongs to where it stood before the record: what
        the record caused cannot be written (see ``orderloom.kafka.processor``)."""
        out: Out = []
        cause = record.envelope
        why = f"{error.reason}: {error.detail}"
        held = self._pending.get(cause.key) or self._entries.get(cause.key)
        if held is None:
            if cause.type == wire.NS + "StartExecution":
                out.append((self._topics.history, wire.rejected_start(cause, why)))
        else:
            entry, history = held[1].copy(), list[HistoryEvent]()
            failed = fail_execution(entry.state, POISON, why, wire.epoch_ms(cause.time))
            self._apply(entry, failed, cause, history, out)
            if history:
                out.extend(
                    (self._topics.history, e) for e in wire.history_envelopes(entry, history, cause)
                )
                out.append((self._topics.snapshots, wire.snapshot_envelope(entry, cause)))
                self._pending[cause.key] = (record.partition, entry)
        return [Outgoing.event(self._codec, topic, envelope) for topic, envelope in out]

    def assigned(self, partitions: list[TopicPartition]) -> None:
        numbers = [tp.partition for tp in partitions if tp.topic == self._topics.inputs]
        loaded = snapshots.load(self._kafka, self._codec, self._topics.snapshots, numbers)
        self._entries.update(loaded)
        for execution_id, (_, entry) in loaded.items():
            self._timers.track(execution_id, entry.timers)
        log.info("partitions assigned", extra={"partitions": numbers, "executions": len(loaded)})

    def revoked(self, partitions: list[TopicPartition]) -> None:
        gone = {tp.partition for tp in partitions if tp.topic == self._topics.inputs}
        self._entries = {k: v for k, v in self._entries.items() if v[0] not in gone}
        self._timers.keep_only(set(self._entries))

    def _step(self, execution_id: str, partition: int, cause: Envelope, out: Out) -> None:
        """Advance one execution by one input, and by every local result that follows;
        the history all of that caused goes out as one record."""
        held = self._pending.get(execution_id) or self._entries.get(execution_id)
        entry = None if held is None else held[1].copy()
        history: list[HistoryEvent] = []
        try:
            queue: list[Input] = [wire.to_input(cause)]
        except PoisonInput as e:
            log.error(
                "unreadable workflow input", extra={"execution_id": execution_id, "error": str(e)}
            )
            if entry is None:
                if cause.type == wire.NS + "StartExecution":
                    out.append((self._topics.history, wire.rejected_start(cause, str(e))))
                return
            failed = fail_execution(entry.state, POISON, str(e), wire.epoch_ms(cause.time))
            queue = self._apply(entry, failed, cause, history, out)
        if entry is None and not isinstance(queue[0], StartExecution):
            log.warning(
                "input for an unknown execution ignored",
                extra={"execution_id": execution_id, "type": cause.type},
            )
            return
        while queue:
            event = queue.pop(0)
            try:
                result = advance(None if entry is None else entry.state, event, self._limits)
            except RedriveRefused as e:
                log.warning(
                    "redrive refused", extra={"execution_id": execution_id, "error": str(e)}
                )
                break
            except Exception as e:  # a defect or an input the core cannot survive: fail it, go on
                log.exception("engine failure", extra={"execution_id": execution_id})
                why = f"{type(e).__name__}: {e}"
                if entry is None:
                    out.append((self._topics.history, wire.rejected_start(cause, why)))
                    return
                result = fail_execution(entry.state, INTERNAL, why, wire.epoch_ms(cause.time))
            if result.state is None:
                return
            if entry is None:
                entry = Entry(result.state, cause.correlation_id or execution_id)
            queue.extend(self._apply(entry, result, cause, history, out))
        if entry is None:
            return
        before = None if held is None else held[1]
        changed = before is None or entry.state is not before.state
        if changed and entry.state.status == SUCCEEDED:
            entry.state = entry.state.compacted()
        if history:
            out.extend(
                (self._topics.history, e) for e in wire.history_envelopes(entry, history, cause)
            )
        if before is None or changed or entry.timers != before.timers:
            self._pending[execution_id] = (partition, entry)

    def _apply(
        self, entry: Entry, result: Advance, cause: Envelope, history: list[HistoryEvent], out: Out
    ) -> list[Input]:
        """Take in the core's answer; return the inputs that follow at once (local tasks)."""
        assert result.state is not None
        entry.state = result.state
        history.extend(result.history)
        follow: list[Input] = []
        for command in result.commands:
            if isinstance(command, StartTimer):
                entry.timers[command.timer_id] = command.fire_at
            elif isinstance(command, CancelTimer):
                entry.timers.pop(command.timer_id, None)
            else:
                follow.extend(self._schedule(entry, command, cause, out))
        return follow

    def _schedule(self, entry: Entry, task: ScheduleTask, cause: Envelope, out: Out) -> list[Input]:
        now = wire.epoch_ms(cause.time)
        target = route(task.resource)
        if isinstance(target, Service):
            request = wire.task_requested(entry, task, target.action, self._topics.inputs, cause)
            out.append((self._topics.name(target.topic), request))
        elif isinstance(target, Vendor):
            reply = self._topics.inputs if target.wait else None
            request = wire.vendor_request(
                entry, task, target.vendor, target.operation, reply, cause
            )
            out.append((self._topics.vendor_requests, request))
            if not target.wait:
                queued = {"queued": True, "request_id": task.task_token}
                return [TaskSucceeded(task.task_token, queued, now)]
        elif isinstance(target, Local):
            return [serve(self._handlers, task, now)]
        else:
            why = f"no runner serves resource {task.resource!r}"
            return [TaskFailed(task.task_token, NO_HANDLER, why, now)]
        return []
