"""Writes the order's event log from the workflow history, exactly once (one Kafka
transaction per batch: the history offsets and the order events together)."""

from __future__ import annotations

import threading

from order_service.event_log import WORKFLOW, order_events
from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.health import serving
from orderloom.kafka.config import topic_name
from orderloom.kafka.processor import TransactionalProcessor
from orderloom.kafka.records import Outgoing, Received
from orderloom.settings import OrderloomSettings
from orderloom.workflow.wire import from_epoch_ms

SOURCE = "orderloom/order-events"


def build(settings: OrderloomSettings) -> TransactionalProcessor:
    kafka = settings.kafka
    codec = codec_for(kafka.schema_registry_url)
    log = topic_name(kafka, "order.events")

    def translate(batch: list[Received]) -> list[Outgoing]:
        out = []
        for record in batch:
            data = record.envelope.data
            if data.get("workflow") != WORKFLOW:
                continue
            for event in data["events"]:
                found = order_events(data["execution_id"], event)
                if found is not None:
                    kind, body = found
                    envelope = Envelope(
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
                    out.append(Outgoing.event(codec, log, envelope))
        return out

    return TransactionalProcessor(
        kafka,
        group_id=topic_name(kafka, "order-event-log"),
        topics=[topic_name(kafka, "workflow.history")],
        transactional_id=topic_name(kafka, "order-event-log-0"),
        codec=codec,
        handler=translate,
    )


def serve(settings: OrderloomSettings, stop: threading.Event) -> None:
    """Until ``stop``, with ``/healthz`` and ``/readyz`` if ``settings.health`` has a port."""
    processor = build(settings)
    with serving(settings.health, processor.progress):
        processor.run(stop)
