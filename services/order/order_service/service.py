"""Accepting a delivery: write its records whole, once, and remember that it is done.

``accept`` answers only after the delivery's records are committed in one Kafka
transaction (the workflow start and the ``OrderReceived`` marker together), so a marker
on ``order.events`` proves the start was written too, and a failed write leaves nothing
behind. A delivery whose marker or webhook id has been seen is a repeat and writes
nothing; identical deliveries arriving together share one write. Records are encoded and
their sizes checked before anything is handed to the producer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from order_service.intake import Delivery
from order_service.publisher import TransactionalPublisher
from order_service.seen import MarkerFeed, SeenMarkers
from orderloom.events.codec import EventCodec
from orderloom.kafka.config import topic_name
from orderloom.kafka.records import Outgoing
from orderloom.settings import KafkaSettings


class Intake:
    """The order intake's state: the publisher, the markers seen, the writes in flight, the
    workflow definitions its deliveries start."""

    def __init__(
        self,
        kafka: KafkaSettings,
        codec: EventCodec,
        publisher: TransactionalPublisher,
        seen: SeenMarkers,
        feed: MarkerFeed,
        definitions: dict[str, dict[str, Any]],
    ) -> None:
        self.kafka = kafka
        self.codec = codec
        self.publisher = publisher
        self.seen = seen
        self.feed = feed
        self.definitions = definitions
        self._writing: dict[str, asyncio.Task[None]] = {}

    def ready(self) -> bool:
        """Whether repeats are recognised (the feed caught up) and writes can commit."""
        return self.feed.caught_up.is_set() and self.publisher.ready()

    async def accept(self, delivery: Delivery, webhook_id: str | None = None) -> bool:
        """Write the delivery's records unless it is done already; True when this call
        wrote them, False for a repeat. Raises ``EncodeError`` or ``TooLarge`` before
        writing anything if they cannot be written, ``NotDelivered`` if their transaction
        aborted (nothing is remembered then: a retry writes them again)."""
        marker = delivery.marker
        if marker in self.seen or self.seen.knows_webhook(webhook_id):
            return False
        writing = self._writing.get(marker)
        if writing is not None:
            await asyncio.shield(writing)
            return False
        records = [
            Outgoing.event(self.codec, topic_name(self.kafka, topic), envelope)
            for topic, envelope in delivery.records
        ]
        self.publisher.check_size(records)
        writing = asyncio.create_task(self._write(records, marker, webhook_id))
        self._writing[marker] = writing
        writing.add_done_callback(lambda _: self._writing.pop(marker, None))
        await asyncio.shield(writing)
        return True

    async def _write(self, records: list[Outgoing], marker: str, webhook_id: str | None) -> None:
        await self.publisher.write(records)
        self.seen.add(marker, webhook_id)

    def close(self) -> int:
        """Stop the feed and the publisher; the records left unwritten."""
        self.feed.stop()
        return self.publisher.close()
