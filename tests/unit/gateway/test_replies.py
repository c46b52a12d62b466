from __future__ import annotations

from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing
from vendor_gateway.jobs import REQUEST_TYPE, Result
from vendor_gateway.replies import REPLY_LIMIT, reply, reply_too_large, too_large

REQUEST = Envelope.new(REQUEST_TYPE, "tests", "exec-1", {"request_id": "r1", "task_token": "t1"})


def _record(body: str) -> Outgoing:
    envelope = reply(REQUEST, Result(200, body), "t1")
    return Outgoing.event(codec_for(None), "vendor.responses", envelope)


def test_a_reply_within_the_limit_fits_and_one_past_it_does_not() -> None:
    assert not too_large(_record('{"blob": "' + "x" * (REPLY_LIMIT - 10_000) + '"}'))
    assert too_large(_record('{"blob": "' + "x" * REPLY_LIMIT + '"}'))


def test_text_that_grows_when_quoted_is_measured_as_sent() -> None:
    # Not JSON, so quoted: each control character takes six bytes as \u0001.
    assert too_large(_record("\x01" * (REPLY_LIMIT // 5)))


def test_a_reply_too_large_is_a_named_failure() -> None:
    failed = reply_too_large("ERP")
    assert failed.error == "ERP.ReplyTooLarge"
    assert str(REPLY_LIMIT) in failed.cause
