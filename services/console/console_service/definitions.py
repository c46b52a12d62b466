"""The workflow definitions the console draws, projected from ``workflow.inputs``.

History events do not carry the definition; the ``StartExecution`` record does. This
projection keeps each distinct definition once (by the SHA-256 of its canonical JSON) and
which one each execution started with. Only records whose ``ce_type`` header says
StartExecution are decoded. Rows and offsets are written in one transaction, and rows are
inserted with ON CONFLICT DO NOTHING, so reading a record twice changes nothing.

A start PostgreSQL refuses as data (a NUL character in its definition or its id) goes to
``workflow.inputs.dlq`` with the reason, found by writing the refused batch again one start
per transaction. A start that cannot be decoded is skipped: the runner, which owns that
topic, dead-letters it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from psycopg.types.json import Jsonb

from orderloom.events.codec import DecodeError, EventCodec, codec_for
from orderloom.kafka.config import consumer_config, producer_config, topic_name
from orderloom.kafka.dead_letters import DeadLetters
from orderloom.kafka.records import Consumed
from orderloom.poison import condemned
from orderloom.projections import store
from orderloom.settings import OrderloomSettings

log = logging.getLogger(__name__)
PROJECTION = "definitions"
START_TYPE = b"orderloom.workflow.StartExecution"


def digest(definition: Any) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@lru_cache(maxsize=64)
def _read(text: str) -> tuple[str, Any]:
    """A definition's digest and value, from the text a start carries: every execution of a
    workflow carries the same text, so it is read once."""
    definition = json.loads(text)
    return digest(definition), definition


def definition_of(conn: store.Connection, execution_id: str) -> dict[str, Any] | None:
    found = conn.execute(
        "SELECT d.definition FROM execution_definitions e"
        " JOIN workflow_definitions d USING (digest) WHERE e.execution_id = %s",
        (execution_id,),
    ).fetchone()
    return None if found is None else dict(found[0])


def project_definitions(settings: OrderloomSettings, stop: threading.Event) -> None:
    """Project until ``stop`` is set (the DSN's search_path picks the schema)."""
    topic = topic_name(settings.kafka, "workflow.inputs")
    codec = codec_for(settings.kafka.schema_registry_url)
    consumer = Consumer(consumer_config(settings.kafka, f"projection-{PROJECTION}"))
    dead = DeadLetters(Producer(producer_config(settings.kafka)))
    with store.connect(settings.postgres.dsn, autocommit=True) as conn:
        try:
            stored = store.load_offsets(conn, PROJECTION, topic)
            stored_digests: set[str] = set()
            meta = consumer.list_topics(topic, timeout=30).topics[topic]
            if meta.error is not None:
                raise KafkaException(meta.error)
            consumer.assign(
                [TopicPartition(topic, p, stored.get(p, OFFSET_BEGINNING)) for p in meta.partitions]
            )
            while not stop.is_set():
                messages = [m for m in consumer.consume(1000, 0.5) if m.error() is None]
                if not messages:
                    continue
                starts = _starts([Consumed.of(m) for m in messages], codec)
                offsets = {m.partition() or 0: (m.offset() or 0) + 1 for m in messages}
                try:
                    with conn.transaction():
                        _save(conn, [s for _, s in starts], stored_digests)
                        store.save_offsets(conn, PROJECTION, topic, offsets)
                    stored_digests.update(s.digest for _, s in starts)
                except Exception as e:
                    if condemned(e) is None:
                        raise
                    log.warning("batch refused; one start at a time", extra={"error": str(e)})
                    _save_each(conn, starts, stored_digests, dead)
                    with conn.transaction():
                        store.save_offsets(conn, PROJECTION, topic, offsets)
        finally:
            consumer.close()
            dead.close()


@dataclass(frozen=True)
class Start:
    execution_id: str
    workflow: str
    digest: str
    definition: Any
    time: datetime


def _starts(records: list[Consumed], codec: EventCodec) -> list[tuple[Consumed, Start]]:
    """The starts among ``records``, each with the record it came in."""
    starts: list[tuple[Consumed, Start]] = []
    for record in records:
        if ("ce_type", START_TYPE) not in record.headers:
            continue
        try:
            envelope = record.decode(codec).envelope
            key, definition = _read(envelope.data["definition"])
        except (DecodeError, KeyError, ValueError) as e:
            log.warning("start record without a readable definition", exc_info=e)
            continue
        data = envelope.data
        start = Start(data["execution_id"], data["workflow"], key, definition, envelope.time)
        starts.append((record, start))
    return starts


def _save_each(
    conn: store.Connection,
    starts: list[tuple[Consumed, Start]],
    stored_digests: set[str],
    dead: DeadLetters,
) -> None:
    """Each start in a transaction of its own; one PostgreSQL refuses is dead-lettered."""
    for record, start in starts:
        try:
            with conn.transaction():
                _save(conn, [start], stored_digests)
            stored_digests.add(start.digest)
        except Exception as e:
            if (poison := condemned(e)) is None:
                raise
            dead.send(record, poison)


def _save(conn: store.Connection, starts: list[Start], stored_digests: set[str]) -> None:
    """Each execution's digest, and each definition not known to be stored already: most
    batches start executions of definitions an earlier batch stored."""
    if not starts:
        return
    first = {s.digest: s for s in reversed(starts) if s.digest not in stored_digests}
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO workflow_definitions (digest, workflow, definition, first_seen)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(s.digest, s.workflow, Jsonb(s.definition), s.time) for s in first.values()],
        )
        cur.executemany(
            "INSERT INTO execution_definitions (execution_id, digest) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            [(s.execution_id, s.digest) for s in starts],
        )
