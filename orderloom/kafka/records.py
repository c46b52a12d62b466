"""What handlers receive and return: decoded records in, records to produce out."""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, Message

from orderloom.errors import PoisonRecord
from orderloom.events.codec import EventCodec, Headers
from orderloom.events.envelope import Envelope
from orderloom.kafka.topics import DLQ_SUFFIX


@dataclass(frozen=True)
class Received:
    """An envelope and where it was read from."""

    envelope: Envelope
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Consumed:
    """A consumed record with the fields librdkafka always sets on one, typed as such."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers

    @classmethod
    def of(cls, message: Message) -> Consumed:
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        if topic is None or partition is None or offset is None:
            raise ValueError("not a consumed record: topic, partition or offset missing")
        key, value = message.key(), message.value()
        return cls(
            topic,
            partition,
            offset,
            key.encode() if isinstance(key, str) else key,
            value.encode() if isinstance(value, str) else value,
            _header_list(message.headers()),
        )

    def decode(self, codec: EventCodec) -> Received:
        """The envelope it carries, or ``DecodeError``."""
        envelope = codec.decode(self.topic, self.key, self.value, self.headers)
        return Received(envelope, self.topic, self.partition, self.offset)

    def dead_letter(self, error: PoisonRecord, *, with_value: bool = True) -> Outgoing:
        """The record as it came, bound for ``<topic>.dlq``, with headers saying why and whence;
        without its value (its size said instead) when even the dead letter is too large."""
        why: Headers = [
            ("dlq_reason", error.reason.encode()),
            ("dlq_error", error.detail.encode()[:4096]),
            ("dlq_topic", self.topic.encode()),
            ("dlq_partition", str(self.partition).encode()),
            ("dlq_offset", str(self.offset).encode()),
        ]
        if with_value:
            return Outgoing(self.topic + DLQ_SUFFIX, self.key, self.value, [*self.headers, *why])
        omitted = ("dlq_value_omitted", str(len(self.value or b"")).encode())
        return Outgoing(self.topic + DLQ_SUFFIX, self.key, None, [*self.headers, *why, omitted])


@dataclass(frozen=True)
class Outgoing:
    """A record to produce, already encoded."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers

    def size(self) -> int:
        """Its bytes as a producer counts them against ``message.max.bytes``, near enough."""
        headers = sum(len(k) + len(v or b"") for k, v in self.headers)
        return len(self.key or b"") + len(self.value or b"") + headers

    @classmethod
    def event(cls, codec: EventCodec, topic: str, envelope: Envelope) -> Outgoing:
        value, headers = codec.encode(envelope, topic)
        return cls(topic, envelope.key.encode(), value, headers)


def _header_list(headers: Headers | dict[str, str | bytes | None] | None) -> Headers:
    if headers is None:
        return []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)


def usable(message: Message) -> bool:
    """A record to handle (True), the end of a partition (False); any other error raises."""
    error = message.error()
    if error is None:
        return True
    if error.code() == KafkaError._PARTITION_EOF:
        return False
    raise KafkaException(error)
