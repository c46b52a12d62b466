"""A batch of task commands in, the ledger changed and the answers and events queued, in
one transaction.

The caller (``OutboxConsumer``) holds the transaction and has already recorded the task
tokens as processed; this module reads the batch's state, decides each command in turn,
and writes what changed.
"""

from __future__ import annotations

import logging

from inventory_service import catalog, events, ledger
from inventory_service.commands import BAD_REQUEST, RESOLVE, BadRequest, parse, parse_lines
from inventory_service.domain import apply, decide
from inventory_service.model import Answered, Command, Event
from orderloom.kafka.records import Received
from orderloom.outbox.store import Connection
from orderloom.outbox.tasks import Task, answer
from orderloom.outbox.writer import OutboxWriter

log = logging.getLogger(__name__)


class TaskHandler:
    """Handles ``TaskRequested`` on ``inventory.commands`` for one location."""

    def __init__(self, location: str, events_topic: str) -> None:
        self._location, self._events_topic = location, events_topic

    def __call__(self, conn: Connection, outbox: OutboxWriter, records: list[Received]) -> None:
        parsed: list[tuple[Task, Command | BadRequest]] = []
        for record in records:
            task = Task.of(record.envelope)
            if task.action == RESOLVE:
                self._resolve(conn, outbox, task)
                continue
            try:
                parsed.append((task, parse(task.action, task.input)))
            except BadRequest as e:
                log.warning("bad inventory request", extra={"action": task.action, "error": str(e)})
                parsed.append((task, e))
        commands = [c for _, c in parsed if not isinstance(c, BadRequest)]
        book = ledger.load(conn, self._location, commands)
        for task, command in parsed:
            if isinstance(command, BadRequest):
                self._queue(outbox, task, [Answered(error=BAD_REQUEST, cause=str(command))])
                continue
            before = book.stock(command)
            decided = decide(before, command)
            book.put(command, apply(before, decided))
            self._queue(outbox, task, decided)
        ledger.save(conn, self._location, book)

    def _resolve(self, conn: Connection, outbox: OutboxWriter, task: Task) -> None:
        """Lines without SKU looked up in the catalogue: read only, answered at once."""
        try:
            lines = parse_lines(task.input)
        except BadRequest as e:
            self._queue(outbox, task, [Answered(error=BAD_REQUEST, cause=str(e))])
            return
        by_variant, by_product = ledger.catalogue(conn, self._location, *catalog.wanted(lines))
        found = catalog.resolve(lines, by_variant, by_product)
        self._queue(outbox, task, [Answered(found)])

    def _queue(self, outbox: OutboxWriter, task: Task, decided: list[Event]) -> None:
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
                outbox.put(task.caller.reply_topic, reply)
            else:
                published = events.envelope(
                    event, location=self._location, cause=cause, index=index
                )
                outbox.put(self._events_topic, published)
