"""The envelope every event travels in: CloudEvents 1.0 attributes plus tracing and lineage."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class Envelope:
    """One event. ``type`` is the Avro record's full name; ``key`` the Kafka key (order id).

    ``correlation_id`` ties every event of one order or execution together;
    ``causation_id`` is the ``id`` of the event that caused this one.
    """

    type: str
    source: str
    key: str
    data: dict[str, Any]
    id: str
    time: datetime
    subject: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def new(cls, type: str, source: str, key: str, data: dict[str, Any], **attrs: Any) -> Envelope:
        """An envelope with a fresh id and the current time: for edges, never the domain."""
        return cls(
            type=type,
            source=source,
            key=key,
            data=data,
            id=str(uuid.uuid4()),
            time=datetime.now(UTC),
            **attrs,
        )

    def caused(
        self, type: str, source: str, data: dict[str, Any], *, id: str, time: datetime
    ) -> Envelope:
        """The envelope of an event this one caused: same key and correlation, lineage kept."""
        return Envelope(
            type=type,
            source=source,
            key=self.key,
            data=data,
            id=id,
            time=time,
            subject=self.subject,
            correlation_id=self.correlation_id or self.key,
            causation_id=self.id,
            traceparent=self.traceparent,
        )
