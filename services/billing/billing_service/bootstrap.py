"""The one place the billing service is wired: settings, connection, consumer, relay."""

from __future__ import annotations

from pydantic import Field

from billing_service import records
from billing_service.handlers import PAYMENT_STATUS_REPORTED, BillingHandlers
from orderloom.events.codec import EventCodec, codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.outbox import store
from orderloom.outbox.consumer import OutboxConsumer, envelope_id
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.tasks import TASK_FAILED, TASK_REQUESTED, TASK_SUCCEEDED
from orderloom.projections.store import Connection, connect
from orderloom.settings import OrderloomSettings

REPLIES_TOPIC = "billing.vendor-replies"


class BillingSettings(OrderloomSettings):
    """``ORDERLOOM_PG_SCHEMA`` besides the shared settings."""

    service_name: str = "billing"
    pg_schema: str = Field(default="billing", description="PostgreSQL schema of billing.")
    group_id: str = "billing"


def open_records(settings: BillingSettings) -> Connection:
    """An autocommit connection to billing's schema, tables created or upgraded."""
    conn = connect(settings.postgres.dsn, settings.pg_schema, autocommit=True)
    store.install(conn)
    records.install(conn)
    return conn


def build(settings: BillingSettings, codec: EventCodec | None = None) -> OutboxConsumer:
    """The service, ready to ``run(stop)``; it owns its connection and producer."""
    codec = codec or codec_for(settings.kafka.schema_registry_url)
    conn = open_records(settings)
    commands = topic_name(settings.kafka, "billing.commands")
    replies = topic_name(settings.kafka, REPLIES_TOPIC)
    handler = BillingHandlers(
        events_topic=topic_name(settings.kafka, "billing.events"),
        requests_topic=topic_name(settings.kafka, "vendor.requests"),
        replies_topic=replies,
    )
    return OutboxConsumer(
        settings.kafka,
        conn,
        group_id=settings.group_id,
        accepts={
            (commands, TASK_REQUESTED): _token,
            (commands, PAYMENT_STATUS_REPORTED): envelope_id,
            (replies, TASK_SUCCEEDED): envelope_id,
            (replies, TASK_FAILED): envelope_id,
        },
        handler=handler,
        codec=codec,
        relay=OutboxRelay(settings.kafka, conn),
    )


def _token(envelope: Envelope) -> str:
    return str(envelope.data["task_token"])
