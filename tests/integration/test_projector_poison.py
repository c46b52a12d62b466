"""History records the executions projector cannot apply: in ``workflow.history.dlq`` with
the reason, and the records behind them projected."""

from __future__ import annotations

import base64
import os
from typing import Any

import psycopg
from confluent_kafka.admin import AdminClient, NewTopic

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.producer import EventProducer
from orderloom.projections import queries
from orderloom.projections.fold import HISTORY_RECORDED_TYPE
from orderloom.projections.projector import ExecutionsProjector
from orderloom.settings import OrderloomSettings
from orderloom.workflow.messages import HistoryEvent
from orderloom.workflow.wire import recorded
from tests.integration.conftest import TopicMaker
from tests.integration.poison import (
    NUL,
    UNDECODABLE_REASONS,
    dead_letters,
    encoded,
    produce_raw,
    reasons,
    undecodable,
)

PgConn = psycopg.Connection[tuple[object, ...]]
AT = 1_795_000_000_000


def history(execution_id: str, *events: tuple[str, dict[str, Any]], at: int = AT) -> Envelope:
    """One record of history, as the runner writes it."""
    return Envelope.new(
        HISTORY_RECORDED_TYPE,
        "tests",
        execution_id,
        {
            "execution_id": execution_id,
            "workflow": "TestFlow",
            "events": [
                recorded(HistoryEvent(n, n - 1, at, kind, details))
                for n, (kind, details) in enumerate(events, 1)
            ],
        },
    )


def started(execution_id: str, input: Any, **at: int) -> Envelope:
    return history(execution_id, ("ExecutionStarted", {"input": input}), **at)


def test_records_the_read_model_refuses_go_to_the_dead_letter_topic_and_the_rest_are_projected(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker, pg: PgConn
) -> None:
    topic = make_topic("workflow.history", partitions=1, dead_letter=True)
    produce_raw(settings, topic, undecodable(codec, topic, started("spoiled", {})))
    producer = EventProducer(settings.kafka, codec)
    for envelope in [
        started("before", {"n": 1}),
        started("nul-in-json", {"address": f"Main St{NUL}"}),
        started(f"nul-in-text{NUL}", {"n": 2}),
        history(
            "counted-too-far",
            ("ExecutionStarted", {"input": {}}),
            ("ExecutionRedriven", {"redrive_count": 2**40}),
        ),
        started("out-of-time", {}, at=2**62),
        started("after", {"n": 3}),
    ]:
        producer.publish(topic, envelope)
    producer.flush()
    schema = pg.execute("SELECT current_schema()").fetchone()
    assert schema is not None

    with ExecutionsProjector(settings, schema=str(schema[0]), codec=codec) as projector:
        projector.catch_up(60)
        assert (projector.undecodable, projector.refused) == (4, 3)

    for execution_id, input in (("before", {"n": 1}), ("after", {"n": 3})):
        row = queries.get_execution(pg, execution_id)
        assert row is not None and row.input == input
    for execution_id in ("nul-in-json", "counted-too-far", "out-of-time"):
        assert queries.get_execution(pg, execution_id) is None
    letters = dead_letters(settings, topic, 7)
    assert reasons(letters) == sorted(
        [*UNDECODABLE_REASONS, "malformed-data", *["refused-by-database"] * 3]
    )
    refused = {x["dlq_error"][:5]: x for x in letters if x["dlq_reason"] == "refused-by-database"}
    assert refused.keys() == {"22P05", "22021", "22003"}  # \u0000 in JSON, NUL in text, range
    assert "unsupported Unicode escape sequence" in refused["22P05"]["dlq_error"]
    assert refused["22P05"]["ce_id"] and refused["22P05"]["dlq_offset"]


def test_a_projector_started_again_does_not_stop_on_a_refused_record(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker, pg: PgConn
) -> None:
    topic = make_topic("workflow.history", partitions=1, dead_letter=True)
    producer = EventProducer(settings.kafka, codec)
    producer.publish(topic, started("nul-in-json", {"address": NUL}))
    producer.flush()
    schema = pg.execute("SELECT current_schema()").fetchone()
    assert schema is not None
    with ExecutionsProjector(settings, schema=str(schema[0]), codec=codec) as projector:
        projector.catch_up(60)
    producer.publish(topic, started("after", {"n": 1}))
    producer.flush()

    with ExecutionsProjector(settings, schema=str(schema[0]), codec=codec) as projector:
        projector.catch_up(60)
        assert projector.refused == 0

    assert queries.get_execution(pg, "after") is not None
    assert reasons(dead_letters(settings, topic, 1)) == ["refused-by-database"]


def test_a_refused_record_too_large_for_the_dead_letter_topic_goes_there_without_its_value(
    settings: OrderloomSettings, codec: EventCodec, admin: AdminClient, pg: PgConn
) -> None:
    topic = settings.kafka.topic_prefix + "workflow.history"
    wide = {"max.message.bytes": str(4 * 1024 * 1024)}
    futures = admin.create_topics(
        [NewTopic(topic, 1, 1, config=wide), NewTopic(topic + ".dlq", 1, 1)]
    )
    for future in futures.values():
        future.result()
    try:
        blob = base64.b64encode(os.urandom(1_500_000)).decode()
        records = [
            encoded(codec, topic, started("wide-nul", {"blob": blob, "address": NUL})),
            encoded(codec, topic, started("after", {"n": 1})),
        ]
        produce_raw(settings, topic, records, max_bytes=4 * 1024 * 1024)
        schema = pg.execute("SELECT current_schema()").fetchone()
        assert schema is not None

        with ExecutionsProjector(settings, schema=str(schema[0]), codec=codec) as projector:
            projector.catch_up(60)
            assert projector.refused == 1

        assert queries.get_execution(pg, "after") is not None
        (letter,) = dead_letters(settings, topic, 1)
        assert letter["dlq_reason"] == "refused-by-database"
        assert int(letter["dlq_value_omitted"]) > 2_000_000
    finally:
        for future in admin.delete_topics([topic, topic + ".dlq"]).values():
            future.result()
