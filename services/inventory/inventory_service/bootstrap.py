"""The one place the inventory service is wired: settings, connection, consumer, relay."""

from __future__ import annotations

from pydantic import Field

from inventory_service import ledger
from inventory_service.handlers import TaskHandler
from orderloom.events.codec import EventCodec, codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.outbox import store
from orderloom.outbox.consumer import OutboxConsumer
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.tasks import TASK_REQUESTED
from orderloom.projections.store import Connection, connect
from orderloom.settings import OrderloomSettings


class InventorySettings(OrderloomSettings):
    """``ORDERLOOM_PG_SCHEMA`` and ``ORDERLOOM_LOCATION`` besides the shared settings."""

    service_name: str = "inventory"
    pg_schema: str = Field(default="inventory", description="PostgreSQL schema of the ledger.")
    location: str = Field(default="main", description="The stock location this service keeps.")
    group_id: str = "inventory"


def open_ledger(settings: InventorySettings) -> Connection:
    """An autocommit connection to the ledger's schema, tables created or upgraded."""
    conn = connect(settings.postgres.dsn, settings.pg_schema, autocommit=True)
    store.install(conn)
    ledger.install(conn)
    return conn


def build(settings: InventorySettings, codec: EventCodec | None = None) -> OutboxConsumer:
    """The service, ready to ``run(stop)``; it owns its connection and producer."""
    codec = codec or codec_for(settings.kafka.schema_registry_url)
    conn = open_ledger(settings)
    handler = TaskHandler(settings.location, topic_name(settings.kafka, "inventory.events"))
    commands = topic_name(settings.kafka, "inventory.commands")
    return OutboxConsumer(
        settings.kafka,
        conn,
        group_id=settings.group_id,
        accepts={(commands, TASK_REQUESTED): _token},
        handler=handler,
        codec=codec,
        relay=OutboxRelay(settings.kafka, conn),
    )


def _token(envelope: Envelope) -> str:
    return str(envelope.data["task_token"])
