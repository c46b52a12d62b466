"""Writes the order's event log from the workflow history, exactly once (one Kafka
transaction per batch: the history offsets and the order events together).

A history record it cannot read (fields missing, details not JSON, a time no clock holds)
is refused as poison: the processor writes the batch again record by record and the record
goes to ``workflow.history.dlq`` with the reason, as does one whose order event does not
fit ``order.events``."""

from __future__ import annotations

import threading

from order_service.event_log import WORKFLOW, order_events
from orderloom.events.codec import DecodeError, codec_for
from orderloom.events.envelope import Envelope
from orderloom.health import serving
from orderloom.kafka.config import topic_name
from orderloom.kafka.processor import TransactionalProcessor
from orderloom.kafka.records import Outgoing, Received
from orderloom.settings import OrderloomSettings
from orderloom.workflow.wire import from_epoch_ms

SOURCE = "orderloom/order-events"
HISTORY_MAX_BYTES = 16 * 1024 * 1024


def build(settings: OrderloomSettings) -> TransactionalProcessor:
    kafka = settings.kafka
    codec = codec_for(kafka.schema_registry_url)
    log = topic_name(kafka, "order.events")

    def translate(batch: list[Received]) -> list[Outgoing]:
        out: list[Outgoing] = []
        for record in batch:
            data = record.envelope.data
            if data.get("workflow") != WORKFLOW:
                continue
            try:
                out.extend(Outgoing.event(codec, log, e) for e in _order_events(record))
            except (KeyError, TypeError, ValueError, OverflowError, OSError) as e:
                raise DecodeError("malformed-data", f"{type(e).__name__}: {e}") from e
        return out

    return TransactionalProcessor(
        kafka,
        group_id=topic_name(kafka, "order-event-log"),
        topics=[topic_name(kafka, "workflow.history")],
        transactional_id=topic_name(kafka, "order-event-log-0"),
        codec=codec,
        handler=translate,
        # A dead letter is a history record as it came: as large as that topic takes.
        producer_overrides={"message.max.bytes": HISTORY_MAX_BYTES},
    )


def _order_events(record: Received) -> list[Envelope]:
    """The order events one history record means."""
    data = record.envelope.data
    found: list[Envelope] = []
    for event in data["events"]:
        meant = order_events(data["execution_id"], event)
        if meant is not None:
            kind, body = meant
            found.append(
                Envelope(
                    type=kind,
                    source=SOURCE,
                    key=data["execution_id"],
                    data=body,
                    id=f"{data['execution_id']}/{event['event_id']}/{kind.rsplit('.', 1)[1]}",
                    time=from_epoch_ms(event["timestamp_ms"]),
                    correlation_id=record.envelope.correlation_id,
                    causation_id=record.envelope.id,
                    traceparent=record.envelope.traceparent,
                )
            )
    return found


def serve(settings: OrderloomSettings, stop: threading.Event) -> None:
    """Until ``stop``, with ``/healthz`` and ``/readyz`` if ``settings.health`` has a port."""
    processor = build(settings)
    with serving(settings.health, processor.progress):
        processor.run(stop)
