"""The smoke round-trip: envelopes through Kafka and back, then recorded in PostgreSQL.

It proves a stack answers end to end: a producer with acks=all, a read_committed
consumer, Avro decoding, and a database write that is idempotent on the event id.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg

from orderloom.errors import RetryableError
from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.settings import OrderloomSettings

PING = "orderloom.kernel.Ping"


def smoke_round_trip(settings: OrderloomSettings, pings: int) -> dict[str, Any]:
    codec = codec_for(settings.kafka.schema_registry_url)
    topic = topic_name(settings.kafka, "kernel.ping")
    run_id = str(uuid.uuid4())
    started = time.perf_counter()
    producer = EventProducer(settings.kafka, codec)
    for i in range(pings):
        producer.publish(
            topic,
            Envelope.new(
                PING,
                "orderloom/smoke",
                run_id,
                {"sequence": i, "message": run_id},
                correlation_id=run_id,
            ),
        )
    producer.flush()
    ours = read_envelopes(
        settings.kafka,
        codec,
        topic,
        count=pings,
        timeout_s=30,
        match=lambda r: r.envelope.key == run_id,
    )
    if len(ours) != pings:
        raise RetryableError(f"sent {pings} pings, read back {len(ours)}")
    with psycopg.connect(settings.postgres.dsn) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS smoke_pings (event_id uuid PRIMARY KEY, "
            "run_id uuid NOT NULL, sequence bigint NOT NULL)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO smoke_pings VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [(r.envelope.id, run_id, r.envelope.data["sequence"]) for r in ours],
            )
        stored = conn.execute(
            "SELECT count(*) FROM smoke_pings WHERE run_id = %s", (run_id,)
        ).fetchone()
    return {
        "run_id": run_id,
        "sent": pings,
        "read_back": len(ours),
        "stored": stored[0] if stored else 0,
        "seconds": round(time.perf_counter() - started, 3),
    }
