"""History records the order's event log cannot translate: in ``workflow.history.dlq`` with
the reason, and the orders behind them get their events."""

from __future__ import annotations

import base64
import os
import threading
from typing import Any

from confluent_kafka.admin import AdminClient, NewTopic

from order_service.event_writer import build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.reader import read_envelopes
from orderloom.settings import OrderloomSettings
from orderloom.workflow.messages import HistoryEvent
from orderloom.workflow.wire import recorded
from tests.integration.conftest import spec_topics
from tests.integration.poison import (
    UNDECODABLE_REASONS,
    dead_letters,
    encoded,
    produce_raw,
    reasons,
    undecodable,
)

AT = 1_795_000_000_000


def _history(
    order_id: str, kind: str, details: dict[str, Any], text: str | None = None
) -> Envelope:
    event = recorded(HistoryEvent(7, 6, AT, kind, details))
    if text is not None:
        event["details"] = text
    return Envelope.new(
        "orderloom.workflow.HistoryRecorded",
        "tests",
        order_id,
        {"execution_id": order_id, "workflow": "OrderFulfillment", "events": [event]},
        correlation_id=order_id,
    )


def _captured(order_id: str, output: Any) -> Envelope:
    return _history(order_id, "TaskSucceeded", {"name": "CapturePayment", "output": output})


def test_unreadable_and_untranslatable_histories_are_dead_lettered_and_the_log_goes_on(
    settings: OrderloomSettings, codec: EventCodec, admin: AdminClient
) -> None:
    prefix = settings.kafka.topic_prefix
    history_topic, log_topic = prefix + "workflow.history", prefix + "order.events"
    blob = base64.b64encode(os.urandom(1_500_000)).decode()
    records = [
        *undecodable(codec, history_topic, _captured("o-spoiled", {})),
        *(
            encoded(codec, history_topic, envelope)
            for envelope in (
                _captured("o-before", {"capture_id": "cap-0"}),
                _history("o-garbled", "TaskSucceeded", {}, text="{not json"),
                _history("o-misfit", "ExecutionFailed", {"error": "E", "cause": "c", "state": 5}),
                _captured("o-huge", {"receipt": blob}),
                _captured("o-after", {"capture_id": "cap-1"}),
            )
        ),
    ]
    with spec_topics(admin, prefix, ["workflow.history", "order.events"]):
        produce_raw(settings, history_topic, records, max_bytes=16 * 1024 * 1024)
        done = threading.Event()
        thread = threading.Thread(target=build(settings).run, args=(done,))
        thread.start()
        try:
            events = read_envelopes(settings.kafka, codec, log_topic, count=2, timeout_s=60)
            letters = dead_letters(settings, history_topic, 6)
        finally:
            done.set()
            thread.join(30)

    assert sorted((r.envelope.key, r.envelope.type) for r in events) == [
        ("o-after", "orderloom.order.PaymentCaptured"),
        ("o-before", "orderloom.order.PaymentCaptured"),
    ]
    assert reasons(letters) == sorted(
        [*UNDECODABLE_REASONS, "malformed-data", "encode-overflow", "too-large"]
    )
    by_order = {x.get("ce_correlationid"): x["dlq_reason"] for x in letters}
    assert by_order["o-garbled"] == "malformed-data"
    assert by_order["o-misfit"] == "encode-overflow"
    assert by_order["o-huge"] == "too-large"


def test_a_refused_record_too_large_for_the_dead_letter_topic_goes_there_without_its_value(
    settings: OrderloomSettings, codec: EventCodec, admin: AdminClient
) -> None:
    prefix = settings.kafka.topic_prefix
    history_topic, log_topic = prefix + "workflow.history", prefix + "order.events"
    wide = {"max.message.bytes": str(4 * 1024 * 1024)}
    topics = [
        NewTopic(history_topic, 1, 1, config=wide),
        NewTopic(history_topic + ".dlq", 1, 1),
        NewTopic(log_topic, 1, 1),
    ]
    for future in admin.create_topics(topics).values():
        future.result()
    blob = base64.b64encode(os.urandom(1_500_000)).decode()
    garbled = _history("o-garbled", "TaskSucceeded", {}, text="{not json" + blob)
    records = [
        encoded(codec, history_topic, garbled),
        encoded(codec, history_topic, _captured("o-after", {"capture_id": "cap-1"})),
    ]
    try:
        produce_raw(settings, history_topic, records, max_bytes=4 * 1024 * 1024)
        done = threading.Event()
        thread = threading.Thread(target=build(settings).run, args=(done,))
        thread.start()
        try:
            events = read_envelopes(settings.kafka, codec, log_topic, count=1, timeout_s=60)
            (letter,) = dead_letters(settings, history_topic, 1)
        finally:
            done.set()
            thread.join(30)
    finally:
        for future in admin.delete_topics([t.topic for t in topics]).values():
            future.result()

    assert [r.envelope.key for r in events] == ["o-after"]
    assert letter["dlq_reason"] == "malformed-data" and letter["ce_correlationid"] == "o-garbled"
    assert int(letter["dlq_value_omitted"]) > 2_000_000
