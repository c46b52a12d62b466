"""A task command in, the ledger changed and the answer and events queued, in one transaction.

The caller (``OutboxConsumer``) holds the transaction and has already recorded the task
token as processed; this module reads, decides, writes.
"""

from __future__ import annotations

import logging

from inventory_service import events, ledger
from inventory_service.commands import BAD_REQUEST, BadRequest, parse
from inventory_service.domain import apply, decide
from inventory_service.model import Answered, Event
from orderloom.kafka.records import Received
from orderloom.outbox.store import Connection
from orderloom.outbox.tasks import Task, answer
from orderloom.outbox.writer import OutboxWriter

log = logging.getLogger(__name__)


class TaskHandler:
    """Handles ``TaskRequested`` on ``inventory.commands`` for one location."""

    def __init__(self, location: str, events_topic: str, writer: OutboxWriter) -> None:
        self._location, self._events_topic, self._writer = location, events_topic, writer

    def __call__(self, conn: Connection, received: Received) -> None:
        task = Task.of(received.envelope)
        try:
            command = parse(task.action, task.input)
        except BadRequest as e:
            log.warning("bad inventory request", extra={"action": task.action, "error": str(e)})
            self._queue(conn, task, [Answered(error=BAD_REQUEST, cause=str(e))])
            return
        before = ledger.load(conn, self._location, command)
        decided = decide(before, command)
        ledger.save(conn, self._location, command, before, apply(before, decided))
        self._queue(conn, task, decided)

    def _queue(self, conn: Connection, task: Task, decided: list[Event]) -> None:
        cause = task.envelope
        for index, event in enumerate(decided):
            if isinstance(event, Answered):
                reply = answer(
                    task.caller,
                    source=events.SOURCE,
                    time=cause.time,
                    causation_id=cause.id,
                    output=event.output,
                    error=event.error,
                    cause=event.cause,
                )
                self._writer.put(conn, task.caller.reply_topic, reply)
            else:
                published = events.envelope(
                    event, location=self._location, cause=cause, index=index
                )
                self._writer.put(conn, self._events_topic, published)
