"""What a service writes inside its own PostgreSQL transaction: records to publish, and
the ids of the messages it has processed (so a redelivered message is not applied twice)."""

from __future__ import annotations

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing
from orderloom.outbox import store
from orderloom.outbox.store import Connection


class OutboxWriter:
    """Encodes envelopes once, at write time; the caller holds the transaction."""

    def __init__(self, codec: EventCodec) -> None:
        self._codec = codec

    def put(self, conn: Connection, topic: str, envelope: Envelope) -> None:
        """Queue ``envelope`` for ``topic``; its id is kept, so a re-publish is recognisable."""
        store.add(conn, Outgoing.event(self._codec, topic, envelope), envelope.id)

    def put_record(self, conn: Connection, record: Outgoing, message_id: str | None) -> None:
        """Queue a record already encoded (a dead letter keeps the bytes it came with)."""
        store.add(conn, record, message_id)

    @staticmethod
    def first_time(conn: Connection, message_id: str) -> bool:
        """Mark ``message_id`` processed in this transaction; False if it already was."""
        return store.first_time(conn, message_id)
