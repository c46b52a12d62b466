"""History records become fold input; anything else is a DecodeError, never a silent drop."""

from __future__ import annotations

import dataclasses

import pytest

from orderloom.events.codec import DecodeError
from orderloom.projections.history import history_records
from orderloom.projections.queries import BadCursor, decode_cursor, encode_cursor
from tests.unit.projections import histories


def test_an_envelope_reads_back_as_the_record_it_was_made_from() -> None:
    history = histories.order("o-1", 42.5)
    envelopes = histories.envelopes("o-1", "OrderFulfillment", history, correlation_id="order-1")
    expected = histories.records("o-1", "OrderFulfillment", history, correlation_id="order-1")
    assert len(envelopes) > 1
    assert [r for e in envelopes for r in history_records(e)] == expected
    assert [r.state_name for r in expected[:2]] == [None, "Validate"]
    assert expected[-1].state_name is None and expected[-1].event_type == "ExecutionSucceeded"


def test_without_a_correlation_id_the_execution_id_stands_in() -> None:
    envelope = histories.envelopes("o-2", "OrderFulfillment", histories.order("o-2", 1))[0]
    records = history_records(dataclasses.replace(envelope, correlation_id=None))
    assert {r.correlation_id for r in records} == {"o-2"}


def test_details_that_are_not_a_json_object_are_a_decode_error() -> None:
    envelope = histories.envelopes("o-3", "OrderFulfillment", histories.order("o-3", 1))[0]
    for details in ("{not json", "[1, 2]"):
        events = [*envelope.data["events"]]
        events[-1] = {**events[-1], "details": details}
        bad = dataclasses.replace(envelope, data={**envelope.data, "events": events})
        with pytest.raises(DecodeError) as caught:
            history_records(bad)
        assert caught.value.reason == "malformed-data"


def test_another_event_type_is_a_decode_error() -> None:
    envelope = histories.envelopes("o-4", "OrderFulfillment", histories.order("o-4", 1))[0]
    with pytest.raises(DecodeError, match="unexpected-type"):
        history_records(dataclasses.replace(envelope, type="orderloom.workflow.StartExecution"))


def test_a_cursor_reads_back_and_a_forged_one_is_refused() -> None:
    at = histories.records("o-5", "W", histories.order("o-5", 1))[0].timestamp
    assert decode_cursor(encode_cursor(at, "o-5")) == (at, "o-5")
    for forged in ("", "abc", "bm90IGpzb24", encode_cursor(at, "x")[:-3]):
        with pytest.raises(BadCursor):
            decode_cursor(forged)
