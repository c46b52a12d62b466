"""Billing's two inputs, a batch of them handled in the caller's transaction: a workflow's
command (capture, refund, cancel) and the gateway's answer about a request billing made.
The batch's payments are read together, each input decided in turn, and what changed is
written together."""

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
    Event,
    PaymentRequested,
    ProviderAnswered,
    StatusReported,
    StorefrontReported,
    Waiter,
)
from billing_service.provider import verdict
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Received
from orderloom.outbox.store import Connection
from orderloom.outbox.tasks import TASK_REQUESTED, Task, answer
from orderloom.outbox.writer import OutboxWriter

log = logging.getLogger(__name__)

PAYMENT_STATUS_REPORTED = "orderloom.order.PaymentStatusReported"
"""The intake's record of ``orders/paid`` and ``orders/updated``, on ``billing.commands``."""


class BillingHandlers:
    """Handles a batch of ``billing.commands`` and the gateway's answers, in order."""

    def __init__(self, *, events_topic: str, requests_topic: str, replies_topic: str) -> None:
        self._events, self._requests, self._replies = events_topic, requests_topic, replies_topic

    def __call__(self, conn: Connection, outbox: OutboxWriter, batch: list[Received]) -> None:
        inputs: list[tuple[Command, Envelope]] = []
        for record in batch:
            envelope = record.envelope
            if envelope.type == TASK_REQUESTED:
                command = self._task(outbox, envelope)
            elif envelope.type == PAYMENT_STATUS_REPORTED:
                command = _reported(envelope)
            else:
                command = self._answer(envelope)
            if command is not None:
                inputs.append((command, envelope))
        before = records.load(conn, sorted({c.order_id for c, _ in inputs}))
        payments = dict(before)
        for command, cause in inputs:
            payment = payments[command.order_id]
            decided = decide(payment, command)
            payments[command.order_id] = apply(payment, decided)
            self._queue(outbox, decided, cause)
        records.save(conn, before, payments)

    def _task(self, outbox: OutboxWriter, envelope: Envelope) -> Command | None:
        """The workflow's command, or None once a bad one is answered as such."""
        task = Task.of(envelope)
        c = task.caller
        waiter = Waiter(c.task_token, c.execution_id, c.reply_topic, c.correlation_id)
        now_ms = int(envelope.time.timestamp() * 1000)
        try:
            return parse(task.action, task.input, waiter, now_ms, task.timeout_at_ms)
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
            outbox.put(c.reply_topic, reply)
            return None

    @staticmethod
    def _answer(envelope: Envelope) -> Command | None:
        """The provider's answer to a request billing made, or None for any other."""
        request_id = str(envelope.data["task_token"])
        names = parse_request_id(request_id)
        if names is None:
            log.warning("answer to a request billing did not make", extra={"token": request_id})
            return None
        kind, refund_id, order_id = names
        outcome, reference, cause = verdict(envelope.type, envelope.data)
        now_ms = int(envelope.time.timestamp() * 1000)
        return ProviderAnswered(
            order_id, kind, request_id, outcome, reference, cause, refund_id, now_ms
        )

    def _queue(self, outbox: OutboxWriter, decided: list[Event], cause: Envelope) -> None:
        for index, event in enumerate(decided):
            if isinstance(event, Answered):
                topic, reply = events.task_answer(event, cause=cause)
                outbox.put(topic, reply)
                continue
            if isinstance(event, AnswerAwaited | StorefrontReported):
                continue
            if isinstance(event, PaymentRequested):
                request = events.vendor_request(event, cause=cause, reply_topic=self._replies)
                outbox.put(self._requests, request)
            published = events.domain_event(event, cause=cause, index=index)
            outbox.put(self._events, published)


def _reported(envelope: Envelope) -> StatusReported | None:
    """The storefront's financial status; None when the delivery had none to report."""
    status = envelope.data.get("financial_status")
    if not status:
        return None
    now_ms = int(envelope.time.timestamp() * 1000)
    authorization = envelope.data.get("authorization_id")
    return StatusReported(str(envelope.data["order_id"]), str(status), authorization, now_ms)
