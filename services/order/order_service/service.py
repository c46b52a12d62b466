"""Accepting a delivery: write its records in order, once, and remember that it is done.

``accept`` answers only after every record is acknowledged by the broker. Records are
written one after another (the workflow start before the ``OrderReceived`` marker), so
a marker on ``order.events`` proves the start was written too. A delivery whose marker
has been seen is a repeat and writes nothing; identical deliveries arriving together
share one write.
"""

from __future__ import annotations

import asyncio
from typing import Any

from order_service.intake import Delivery
from order_service.publisher import AsyncPublisher
from order_service.seen import MarkerFeed, SeenMarkers


class Intake:
    """The order intake's state: the publisher, the markers seen, the writes in flight, the
    workflow definitions its deliveries start."""

    def __init__(
        self,
        publisher: AsyncPublisher,
        seen: SeenMarkers,
        feed: MarkerFeed,
        definitions: dict[str, dict[str, Any]],
    ) -> None:
        self.publisher = publisher
        self.seen = seen
        self.feed = feed
        self.definitions = definitions
        self._writing: dict[str, asyncio.Task[None]] = {}

    async def accept(self, delivery: Delivery) -> bool:
        """Write the delivery's records unless it is done already; True when this call
        wrote them, False for a repeat. Raises ``NotDelivered`` if the broker did not
        acknowledge them (nothing is remembered then: a retry writes them again)."""
        marker = delivery.marker
        if marker in self.seen:
            return False
        writing = self._writing.get(marker)
        if writing is not None:
            await asyncio.shield(writing)
            return False
        writing = asyncio.create_task(self._write(delivery))
        self._writing[marker] = writing
        writing.add_done_callback(lambda _: self._writing.pop(marker, None))
        await asyncio.shield(writing)
        return True

    async def _write(self, delivery: Delivery) -> None:
        for topic, envelope in delivery.records:
            await self.publisher.publish(topic, envelope)
        self.seen.add(delivery.marker)

    def close(self) -> int:
        """Stop the feed, flush the publisher; the records left unacknowledged."""
        self.feed.stop()
        return self.publisher.close()
