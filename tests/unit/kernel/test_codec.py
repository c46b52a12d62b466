"""The envelope codec on its own: round trips and every way a record can be refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from orderloom.events.codec import DecodeError, EncodeError, EventCodec, Headers, codec_for
from orderloom.events.envelope import Envelope

PING = "orderloom.kernel.Ping"
PING_AT_NINE = Envelope(
    type=PING,
    source="tests",
    key="order-9",
    id="e-1",
    time=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    data={"sequence": 7, "message": "hi", "payload": b"\x00\x01"},
)


@pytest.mark.parametrize("registry", [None, "mock://unit"])
def test_round_trip_keeps_everything(registry: str | None) -> None:
    codec = codec_for(registry)
    sent = replace(
        PING_AT_NINE,
        subject="s",
        correlation_id="c",
        causation_id="x",
        traceparent="00-a-b-01",
        extra_headers={"x-tenant": "acme"},
    )
    value, headers = codec.encode(sent, "t")
    assert codec.decode("t", b"order-9", value, headers) == sent


def test_compiled_in_value_is_avro_single_object_encoding() -> None:
    codec = codec_for(None)
    value, _ = codec.encode(PING_AT_NINE, "t")
    schema = codec.schemas.by_name(PING)
    assert schema is not None
    assert value[:2] == b"\xc3\x01" and value[2:10] == schema.fingerprint


def test_caused_event_keeps_key_and_lineage() -> None:
    cause = replace(PING_AT_NINE, correlation_id="order-9", traceparent="00-a-b-01")
    effect = cause.caused(
        PING, "svc", {"sequence": 8, "message": "next", "payload": None}, id="e-2", time=cause.time
    )
    assert (effect.key, effect.correlation_id, effect.causation_id, effect.traceparent) == (
        "order-9",
        "order-9",
        "e-1",
        "00-a-b-01",
    )


def _refusal(codec: EventCodec, value: bytes | None, headers: Headers) -> str:
    with pytest.raises(DecodeError) as caught:
        codec.decode("t", b"k", value, headers)
    return caught.value.reason


def test_each_bad_record_has_its_reason() -> None:
    codec = codec_for(None)
    value, headers = codec.encode(PING_AT_NINE, "t")

    def swap(name: str, new: bytes) -> Headers:
        return [(k, new if k == name else v) for k, v in headers]

    assert _refusal(codec, value, [h for h in headers if h[0] != "ce_id"]) == "missing-header"
    assert _refusal(codec, value, swap("ce_specversion", b"0.3")) == "bad-specversion"
    assert _refusal(codec, value, swap("ce_type", b"no.Such")) == "unknown-type"
    assert _refusal(codec, value, swap("content-type", b"application/json")) == "bad-content-type"
    confluent = swap("content-type", b"application/vnd.confluent.avro")
    assert _refusal(codec, value, confluent) == "no-registry"
    assert _refusal(codec, value, swap("ce_time", b"yesterday")) == "bad-time"
    assert _refusal(codec, None, headers) == "malformed-data"
    assert _refusal(codec, b"{}", headers) == "malformed-data"
    assert _refusal(codec, value[:11], headers) == "malformed-data"
    assert _refusal(codec, value[:2] + b"\xff" * 8 + value[10:], headers) == "unknown-schema"


def test_data_that_does_not_fit_the_schema_is_an_encode_error() -> None:
    codec = codec_for(None)
    with pytest.raises(EncodeError, match="does not fit"):
        codec.encode(replace(PING_AT_NINE, data={"sequence": "seven"}), "t")
    with pytest.raises(EncodeError, match="no Avro schema"):
        codec.encode(replace(PING_AT_NINE, type="no.Such"), "t")


def test_a_key_that_is_not_utf8_is_refused_with_its_reason() -> None:
    codec = codec_for(None)
    value, headers = codec.encode(PING_AT_NINE, "t")
    with pytest.raises(DecodeError) as caught:
        codec.decode("t", b"order-\xff\xfe", value, headers)
    assert caught.value.reason == "bad-key"


def test_an_integer_past_its_avro_type_is_an_encode_error() -> None:
    codec = codec_for(None)
    with pytest.raises(EncodeError, match="does not fit"):
        codec.encode(replace(PING_AT_NINE, data={**PING_AT_NINE.data, "sequence": 2**70}), "t")
