"""The relay: everything written is published in order, and a crash between publishing and
marking rows sent publishes them again with the same envelope ids, losing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from confluent_kafka import Producer

from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import producer_config
from orderloom.outbox import relay, store
from orderloom.outbox.relay import OutboxRelay
from orderloom.outbox.writer import OutboxWriter
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.services.conftest import read

Connection = psycopg.Connection[tuple[object, ...]]


def _ping(n: int) -> Envelope:
    return Envelope(
        type="orderloom.kernel.Ping",
        source="tests/outbox",
        key=f"k{n % 3}",
        data={"sequence": n, "message": "outbox"},
        id=f"ping-{n}",
        time=datetime.now(UTC),
    )


def _write(pg: Connection, codec: EventCodec, topic: str, count: int) -> None:
    writer = OutboxWriter(codec)
    for n in range(count):
        writer.put(topic, _ping(n))
    with pg.transaction():
        writer.flush(pg)


def test_relay_publishes_in_order_and_marks_sent(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker, pg: Connection
) -> None:
    topic = make_topic("outbox.ping", partitions=1)
    store.install(pg)
    _write(pg, codec, topic, 120)
    publisher = OutboxRelay(settings.kafka, pg, batch_size=50)
    assert publisher.drain() == 120
    assert publisher.drain() == 0
    publisher.close()
    got = read(settings, codec, topic.removeprefix(settings.kafka.topic_prefix), 120)
    assert [e.id for e in got] == [f"ping-{n}" for n in range(120)]
    assert store.pending(pg, 10) == []


def test_crash_between_publish_and_mark_sent_republishes_the_same_ids(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker, pg: Connection
) -> None:
    topic = make_topic("outbox.ping", partitions=1)
    store.install(pg)
    _write(pg, codec, topic, 30)
    producer = Producer(producer_config(settings.kafka))
    with pg.transaction(force_rollback=True):
        rows = store.pending(pg, 20)
        assert len(relay.publish(producer, rows)) == 20
        # the process dies here: the rows are on Kafka, the marks never commit
    assert len(store.pending(pg, 100)) == 30

    publisher = OutboxRelay(settings.kafka, pg)
    assert publisher.drain() == 30
    publisher.close()
    logical = topic.removeprefix(settings.kafka.topic_prefix)
    got = [e.id for e in read(settings, codec, logical, 50)]
    assert len(got) == 50
    assert set(got) == {f"ping-{n}" for n in range(30)}
    assert got[:20] == got[20:40] == [f"ping-{n}" for n in range(20)]


def test_prune_deletes_only_rows_sent_longer_ago_than_kept(
    codec: EventCodec, make_topic: TopicMaker, pg: Connection
) -> None:
    store.install(pg)
    _write(pg, codec, make_topic("outbox.ping", partitions=1), 35)
    with pg.transaction():
        store.mark_sent(pg, [row.id for row in store.pending(pg, 30)])
        pg.execute(
            "UPDATE outbox SET sent_at = now() - interval '8 days'"
            " WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL ORDER BY id LIMIT 12)"
        )
        assert store.prune(pg, timedelta(days=7)) == 12
    left = pg.execute(
        "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL),"
        " count(*) FILTER (WHERE sent_at IS NULL) FROM outbox"
    ).fetchone()
    assert left == (18, 5)
    with pg.transaction(force_rollback=True):
        pg.execute("SET LOCAL enable_seqscan = off")  # a few rows: the index must be usable
        plan = pg.execute(
            "EXPLAIN (COSTS OFF) DELETE FROM outbox WHERE sent_at < now() - %s",
            (timedelta(days=7),),
        ).fetchall()
    assert "outbox_sent" in "\n".join(str(row[0]) for row in plan)
