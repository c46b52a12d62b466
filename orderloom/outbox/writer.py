"""What a batch queues for publishing, held until the batch's transaction writes it.

Envelopes are encoded once, when queued; ``flush`` writes them all in one statement inside
the caller's transaction, so they commit with the state they describe or not at all. A
record larger than the relay can publish is refused when queued, as the poison it is: in
the outbox it would stop the relay and every record behind it.
"""

from __future__ import annotations

from orderloom.errors import PoisonRecord
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing
from orderloom.outbox import store
from orderloom.outbox.store import Connection

MAX_RECORD_BYTES = 1_000_000
"""The most the relay's producer takes in one record (librdkafka's ``message.max.bytes``)."""


class OutboxWriter:
    """Records in the order they are queued; each keeps its envelope id for recognition."""

    def __init__(self, codec: EventCodec) -> None:
        self._codec = codec
        self._rows: list[tuple[Outgoing, str | None]] = []

    def put(self, topic: str, envelope: Envelope) -> None:
        """Queue ``envelope`` for ``topic``; its id is kept, so a re-publish is recognisable."""
        record = Outgoing.event(self._codec, topic, envelope)
        size = record.size()
        if size > MAX_RECORD_BYTES:
            raise PoisonRecord(
                "too-large", f"{envelope.type} for {topic} is {size} bytes, over {MAX_RECORD_BYTES}"
            )
        self._rows.append((record, envelope.id))

    def put_record(self, record: Outgoing, message_id: str | None) -> None:
        """Queue a record already encoded (a dead letter keeps the bytes it came with, unless
        they are more than the relay can publish: then its size is said instead)."""
        if record.size() > MAX_RECORD_BYTES:
            omitted = ("dlq_value_omitted", str(len(record.value or b"")).encode())
            record = Outgoing(record.topic, record.key, None, [*record.headers, omitted])
        self._rows.append((record, message_id))

    def flush(self, conn: Connection) -> None:
        """Write what is queued, in the transaction under way on ``conn``."""
        store.add_all(conn, self._rows)
        self._rows.clear()

    def discard(self) -> None:
        """Forget what is queued: its transaction did not commit."""
        self._rows.clear()
