"""The executions projection against the real broker and PostgreSQL: every event once.

Given real histories (run_local) published as the runner publishes them, when the projector
runs (again, twice, stopped half way, or rebuilt elsewhere), then the tables hold exactly the
rows the pure fold computes and every event once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from functools import reduce
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer
from psycopg import sql

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import transactional_producer_config
from orderloom.kafka.producer import EventProducer
from orderloom.projections import queries, store
from orderloom.projections.fold import ExecutionRow, fold
from orderloom.projections.projector import ExecutionsProjector, rebuild
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.unit.projections.histories import Made, corpus

pytestmark = pytest.mark.integration
PgConn = psycopg.Connection[tuple[object, ...]]


def publish(
    settings: OrderloomSettings, codec: EventCodec, topic: str, envs: list[Envelope]
) -> None:
    producer = EventProducer(settings.kafka, codec)
    for envelope in envs:
        producer.publish(topic, envelope)
    producer.flush()


def dump(conn: store.Connection) -> tuple[list[Any], list[Any], list[Any]]:
    """The three tables, whole, in a fixed order."""
    rows = conn.execute("SELECT * FROM executions ORDER BY execution_id").fetchall()
    history = conn.execute("SELECT * FROM execution_history ORDER BY execution_id, event_id")
    words = conn.execute("SELECT execution_id, words::text FROM execution_words ORDER BY 1")
    return rows, history.fetchall(), words.fetchall()


def stale_words(conn: store.Connection) -> int:
    """Executions whose indexed words are missing or are not those of their input."""
    found = conn.execute(
        "SELECT count(*) FROM executions e LEFT JOIN execution_words w USING (execution_id)"
        " WHERE e.input IS NOT NULL AND w.words IS DISTINCT FROM"
        " jsonb_to_tsvector('simple'::regconfig, e.input, '[\"string\", \"numeric\"]')"
    ).fetchone()
    assert found is not None
    return int(found[0])


def expected_row(made: Made) -> ExecutionRow:
    row = reduce(fold, made.records(), None)
    assert row is not None
    return row


def schema_of(conn: PgConn) -> str:
    found = conn.execute("SELECT current_schema()").fetchone()
    assert found is not None
    return str(found[0])


@pytest.fixture
def executions() -> list[Made]:
    return corpus(300)


@pytest.fixture
def history_topic(make_topic: TopicMaker) -> str:
    return make_topic("workflow.history", partitions=3, dead_letter=True)


@pytest.fixture
def other_schema(settings: OrderloomSettings) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_every_execution_and_event_is_projected_once_even_when_published_twice(
    settings: OrderloomSettings,
    codec: EventCodec,
    history_topic: str,
    pg: PgConn,
    executions: list[Made],
) -> None:
    envs = [e for made in executions for e in made.envelopes()]
    events = sum(len(made.history) for made in executions)
    publish(settings, codec, history_topic, envs)
    with ExecutionsProjector(settings, schema=schema_of(pg), codec=codec) as projector:
        projector.catch_up(60)
        assert (projector.applied, projector.undecodable) == (events, 0)
        for made in executions:
            assert queries.get_execution(pg, made.execution_id) == expected_row(made)
        sample = executions[4]
        history = queries.get_history(pg, sample.execution_id)
        assert [(h.event_id, h.event_type, h.details) for h in history] == [
            (e.id, e.type, e.details) for e in sample.history
        ]
        before = dump(pg)
        assert len(before[2]) == len(executions) and stale_words(pg) == 0

        publish(settings, codec, history_topic, envs[::7])
        projector.catch_up(60)
        assert projector.applied == events
    assert dump(pg) == before


def test_a_projector_stopped_half_way_is_resumed_by_another_without_doubling(
    settings: OrderloomSettings,
    codec: EventCodec,
    history_topic: str,
    pg: PgConn,
    executions: list[Made],
) -> None:
    events = sum(len(made.history) for made in executions)
    publish(settings, codec, history_topic, [e for made in executions for e in made.envelopes()])
    schema, stop = schema_of(pg), threading.Event()
    with ExecutionsProjector(settings, schema=schema, codec=codec, batch_size=100) as first:
        worker = threading.Thread(target=first.run, args=(stop,))
        worker.start()
        deadline = time.monotonic() + 30
        while first.batches < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        stop.set()
        worker.join(30)
    assert 0 < first.applied < events
    with ExecutionsProjector(settings, schema=schema, codec=codec) as second:
        second.catch_up(60)
    assert first.applied + second.applied == events
    rows, history, words = dump(pg)
    assert len(rows) == len(words) == len(executions) and len(history) == events
    assert stale_words(pg) == 0
    for made in executions:
        assert queries.get_execution(pg, made.execution_id) == expected_row(made)


def test_a_rebuild_gives_identical_tables_in_a_fresh_schema_and_in_place(
    settings: OrderloomSettings,
    codec: EventCodec,
    history_topic: str,
    pg: PgConn,
    executions: list[Made],
    other_schema: str,
) -> None:
    publish(settings, codec, history_topic, [e for made in executions for e in made.envelopes()])
    with ExecutionsProjector(settings, schema=schema_of(pg), codec=codec) as projector:
        projector.catch_up(60)
    original = dump(pg)
    rebuild(settings, schema=other_schema, timeout_s=60)
    with store.connect(settings.postgres.dsn, other_schema) as fresh:
        assert dump(fresh) == original
    rebuild(settings, schema=schema_of(pg), timeout_s=60)
    assert dump(pg) == original


def test_undecodable_records_are_counted_and_skipped_in_a_transactional_topic(
    settings: OrderloomSettings,
    codec: EventCodec,
    history_topic: str,
    pg: PgConn,
    executions: list[Made],
) -> None:
    """The runner writes history in transactions: the markers must not stall catching up."""
    producer = Producer(transactional_producer_config(settings.kafka, f"tx-{uuid.uuid4()}"))
    producer.init_transactions(30)
    for made in executions[:12]:
        producer.begin_transaction()
        for envelope in made.envelopes():
            value, headers = codec.encode(envelope, history_topic)
            producer.produce(history_topic, value, envelope.key.encode(), headers=headers)
        producer.produce(history_topic, b"not an event", made.execution_id.encode())
        producer.commit_transaction(30)
    with ExecutionsProjector(settings, schema=schema_of(pg), codec=codec) as projector:
        projector.catch_up(60)
        assert projector.undecodable == 12
    for made in executions[:12]:
        assert queries.get_execution(pg, made.execution_id) == expected_row(made)
