"""Envelope <-> Kafka record in CloudEvents binary mode, data in Avro.

Without a schema registry the value is Avro single-object encoding (``C3 01``, the
writer schema's CRC-64-AVRO fingerprint, the body), so a reader knows exactly which
compiled-in schema wrote it. With a registry it is the Confluent wire format
(magic byte, schema id, body), subjects named by record (many types share a topic).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from orderloom.errors import PoisonRecord, TerminalError
from orderloom.events.envelope import SPEC_VERSION, Envelope
from orderloom.events.schemas import SchemaSet

AVRO = "application/avro"
CONFLUENT_AVRO = "application/vnd.confluent.avro"
SINGLE_OBJECT_MAGIC = b"\xc3\x01"
Headers = list[tuple[str, str | bytes | None]]
"""Kafka record headers, typed as confluent-kafka takes and gives them."""
_ATTRS = {
    "ce_subject": "subject",
    "ce_correlationid": "correlation_id",
    "ce_causationid": "causation_id",
    "traceparent": "traceparent",
}
_REQUIRED = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type")


class DecodeError(PoisonRecord):
    """A record that cannot become an envelope; ``reason`` is a short machine-readable code."""


class EncodeError(TerminalError):
    """Data that does not fit its Avro schema: a bug in the producing code, not a retry."""


class EventCodec:
    """Encodes and decodes envelopes with the compiled-in schemas or a registry."""

    def __init__(self, schemas: SchemaSet, registry: Any | None = None) -> None:
        self.schemas = schemas
        self.registry = registry
        self._serdes: dict[tuple[str, str], Any] = {}

    def encode(self, envelope: Envelope, topic: str) -> tuple[bytes, Headers]:
        schema = self.schemas.by_name(envelope.type)
        if schema is None:
            raise EncodeError(f"no Avro schema named {envelope.type!r}")
        headers: Headers = [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", envelope.id.encode()),
            ("ce_type", envelope.type.encode()),
            ("ce_source", envelope.source.encode()),
            ("ce_time", envelope.time.isoformat().encode()),
        ]
        for header, attr in _ATTRS.items():
            if (value := getattr(envelope, attr)) is not None:
                headers.append((header, value.encode()))
        headers.extend((k, v.encode()) for k, v in envelope.extra_headers.items())
        if self.registry is not None:
            headers.append(("content-type", CONFLUENT_AVRO.encode()))
            return self._registry_serializer(schema.source)(envelope.data, _ctx(topic)), headers
        buf = io.BytesIO()
        buf.write(SINGLE_OBJECT_MAGIC + schema.fingerprint)
        try:
            schemaless_writer(buf, schema.parsed, envelope.data)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as e:
            raise EncodeError(f"{envelope.type} data does not fit its schema: {e}") from e
        headers.append(("content-type", AVRO.encode()))
        return buf.getvalue(), headers

    def decode(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, str | bytes | None]] | None,
    ) -> Envelope:
        """The envelope of a record, or ``DecodeError`` saying exactly what is wrong."""
        h = {
            k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v
            for k, v in headers or []
            if v is not None
        }
        missing = [name for name in _REQUIRED if name not in h]
        if missing:
            raise DecodeError("missing-header", ", ".join(missing))
        if h["ce_specversion"] != SPEC_VERSION:
            raise DecodeError("bad-specversion", h["ce_specversion"])
        schema = self.schemas.by_name(h["ce_type"])
        if schema is None:
            raise DecodeError("unknown-type", f"no Avro schema named {h['ce_type']!r}")
        if value is None:
            raise DecodeError("malformed-data", "record has no value")
        data = self._decode_data(topic, h["content-type"], schema.source, value)
        try:
            time = datetime.fromisoformat(h["ce_time"])
        except ValueError as e:
            raise DecodeError("bad-time", h["ce_time"]) from e
        try:
            text_key = (key or b"").decode()
        except UnicodeDecodeError as e:
            raise DecodeError("bad-key", f"the key is not UTF-8: {e}") from e
        extra = {k: v for k, v in h.items() if k not in _ATTRS and k not in _REQUIRED}
        return Envelope(
            type=h["ce_type"],
            source=h["ce_source"],
            key=text_key,
            data=data,
            id=h["ce_id"],
            time=time,
            extra_headers=extra,
            **{a: h.get(k) for k, a in _ATTRS.items()},
        )

    def _decode_data(
        self, topic: str, content_type: str, source: str, value: bytes
    ) -> dict[str, Any]:
        if content_type == CONFLUENT_AVRO:
            if self.registry is None:
                raise DecodeError("no-registry", "Confluent-framed record but no schema registry")
            try:
                data = self._registry_deserializer(source)(value, _ctx(topic))
            except Exception as e:  # any failure to read the bytes is a bad record
                raise DecodeError("malformed-data", str(e)) from e
            return _record(data)
        if content_type != AVRO:
            raise DecodeError("bad-content-type", content_type)
        if not value.startswith(SINGLE_OBJECT_MAGIC) or len(value) < 10:
            raise DecodeError("malformed-data", "not Avro single-object encoding")
        writer = self.schemas.by_fingerprint(value[2:10])
        if writer is None:
            raise DecodeError(
                "unknown-schema", f"no compiled-in schema has fingerprint {value[2:10].hex()}"
            )
        try:
            data = schemaless_reader(io.BytesIO(value[10:]), writer.parsed, None)
        except Exception as e:  # truncated or corrupt bytes
            raise DecodeError("malformed-data", f"{type(e).__name__}: {e}") from e
        return _record(data)

    def _registry_serializer(self, source: str) -> Any:
        from confluent_kafka.schema_registry import record_subject_name_strategy
        from confluent_kafka.schema_registry.avro import AvroSerializer

        key = ("ser", source)
        if key not in self._serdes:
            self._serdes[key] = AvroSerializer(
                self.registry, source, conf={"subject.name.strategy": record_subject_name_strategy}
            )
        return self._serdes[key]

    def _registry_deserializer(self, source: str) -> Any:
        from confluent_kafka.schema_registry.avro import AvroDeserializer

        key = ("de", source)
        if key not in self._serdes:
            self._serdes[key] = AvroDeserializer(self.registry, source)
        return self._serdes[key]


def _record(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DecodeError("malformed-data", "event data must be an Avro record")
    return data


def _ctx(topic: str) -> Any:
    from confluent_kafka.serialization import MessageField, SerializationContext

    return SerializationContext(topic, MessageField.VALUE)


def codec_for(schema_registry_url: str | None) -> EventCodec:
    """The codec a process uses: compiled-in schemas, plus the registry when configured."""
    registry = None
    if schema_registry_url:
        from confluent_kafka.schema_registry import SchemaRegistryClient

        registry = SchemaRegistryClient.new_client({"url": schema_registry_url})
    return EventCodec(SchemaSet.load(), registry)
