"""Billing's two inputs, each handled in the caller's transaction: a workflow's command
(capture, refund, cancel) and the gateway's answer about a request billing made."""

from __future__ import annotations

import logging

from billing_service import events, records
from billing_service.commands import BAD_REQUEST, BadRequest, parse
from billing_service.domain import apply, decide
from billing_service.ids import parse_request_id
from billing_service.model import (
    AnswerAwaited,
    Answered,
    Command,
    PaymentRequested,
    ProviderAnswered,
    Waiter,
)
from billing_service.provider import verdict
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Received
from orderloom.outbox.store import Connection
from orderloom.outbox.tasks import Task, answer
from orderloom.outbox.writer import OutboxWriter

log = logging.getLogger(__name__)


class BillingHandlers:
    """``task`` for ``billing.commands``, ``reply`` for the gateway's answers."""

    def __init__(
        self, writer: OutboxWriter, *, events_topic: str, requests_topic: str, replies_topic: str
    ) -> None:
        self._writer = writer
        self._events, self._requests, self._replies = events_topic, requests_topic, replies_topic

    def task(self, conn: Connection, received: Received) -> None:
        envelope = received.envelope
        task = Task.of(envelope)
        c = task.caller
        waiter = Waiter(c.task_token, c.execution_id, c.reply_topic, c.correlation_id)
        now_ms = int(envelope.time.timestamp() * 1000)
        try:
            command = parse(task.action, task.input, waiter, now_ms, task.timeout_at_ms)
        except BadRequest as e:
            log.warning("bad billing request", extra={"action": task.action, "error": str(e)})
            reply = answer(
                c,
                source=events.SOURCE,
                time=envelope.time,
                causation_id=envelope.id,
                error=BAD_REQUEST,
                cause=str(e),
            )
            self._writer.put(conn, c.reply_topic, reply)
            return
        self._decide(conn, command, envelope)

    def reply(self, conn: Connection, received: Received) -> None:
        envelope = received.envelope
        request_id = str(envelope.data["task_token"])
        names = parse_request_id(request_id)
        if names is None:
            log.warning("answer to a request billing did not make", extra={"token": request_id})
            return
        kind, refund_id, order_id = names
        outcome, reference, cause = verdict(envelope.type, envelope.data)
        now_ms = int(envelope.time.timestamp() * 1000)
        answered = ProviderAnswered(
            order_id, kind, request_id, outcome, reference, cause, refund_id, now_ms
        )
        self._decide(conn, answered, envelope)

    def _decide(self, conn: Connection, command: Command, cause: Envelope) -> None:
        before = records.load(conn, command.order_id)
        decided = decide(before, command)
        records.save(conn, before, apply(before, decided))
        for index, event in enumerate(decided):
            if isinstance(event, Answered):
                topic, reply = events.task_answer(event, cause=cause)
                self._writer.put(conn, topic, reply)
                continue
            if isinstance(event, AnswerAwaited):
                continue
            if isinstance(event, PaymentRequested):
                request = events.vendor_request(event, cause=cause, reply_topic=self._replies)
                self._writer.put(conn, self._requests, request)
            published = events.domain_event(event, cause=cause, index=index)
            self._writer.put(conn, self._events, published)
