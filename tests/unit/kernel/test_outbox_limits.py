"""What the outbox refuses or reshapes so that one record never stops its relay or its consumer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderloom.errors import PoisonRecord
from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing
from orderloom.outbox.consumer import MAX_ID_CHARS, storable
from orderloom.outbox.writer import MAX_RECORD_BYTES, OutboxWriter


def _ping(payload: bytes) -> Envelope:
    return Envelope(
        type="orderloom.kernel.Ping",
        source="tests",
        key="order-1",
        id="e-1",
        time=datetime(2026, 11, 28, tzinfo=UTC),
        data={"sequence": 1, "message": "hi", "payload": payload},
    )


def test_an_answer_larger_than_the_relay_publishes_is_refused_when_queued() -> None:
    writer = OutboxWriter(codec_for(None))
    writer.put("t.events", _ping(b"x" * 1000))
    with pytest.raises(PoisonRecord) as refused:
        writer.put("t.events", _ping(b"x" * MAX_RECORD_BYTES))
    assert refused.value.reason == "too-large" and "t.events" in refused.value.detail


def test_a_dead_letter_larger_than_the_relay_publishes_keeps_its_headers_and_says_its_size() -> (
    None
):
    writer = OutboxWriter(codec_for(None))
    big = Outgoing("t.c.dlq", b"k", b"x" * (MAX_RECORD_BYTES + 1), [("dlq_reason", b"too-large")])
    writer.put_record(big, "dlq:t.c/0/1")
    queued, message_id = writer._rows[0]
    assert (queued.value, message_id) == (None, "dlq:t.c/0/1")
    assert dict(queued.headers)["dlq_value_omitted"] == str(MAX_RECORD_BYTES + 1).encode()


def test_ids_the_processed_table_cannot_key_are_kept_by_their_digest() -> None:
    assert storable("exec-1/2/3") == "exec-1/2/3"
    long, nul = "x" * (MAX_ID_CHARS + 1), "exec\x00/1"
    assert storable(long).startswith("sha256:") and len(storable(long)) == 71
    assert storable(nul).startswith("sha256:") and storable(nul) != storable(long)
    assert storable(long) == storable("x" * (MAX_ID_CHARS + 1))
