"""Sending workflow inputs (redrives) to ``workflow.inputs`` from a request handler.

One producer for the process; ``send`` returns only when every record is acknowledged
(acks=all) and raises ``RetryableError`` otherwise, so the caller's transaction can roll back.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.settings import OrderloomSettings


class InputsPublisher:
    def __init__(self, settings: OrderloomSettings) -> None:
        self.topic = topic_name(settings.kafka, "workflow.inputs")
        codec = codec_for(settings.kafka.schema_registry_url)
        self._producer = EventProducer(settings.kafka, codec)
        self._lock = threading.Lock()

    def send(self, envelopes: Sequence[Envelope]) -> None:
        with self._lock:
            for envelope in envelopes:
                self._producer.publish(self.topic, envelope)
            self._producer.flush()
