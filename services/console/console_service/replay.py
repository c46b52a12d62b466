"""Replay: reprocess a topic from an offset or a time, or for some orders.

Two targets, neither of which sends a record to Kafka:

- ``projection`` (topic ``workflow.history``): the executions whose first history record
  lies in the range (or that belong to the given orders) are deleted from the read model and
  folded again from their records, in one transaction holding an EXCLUSIVE lock on the
  executions table, so a projector running meanwhile waits and then applies only what is
  newer. Nothing outside PostgreSQL changes: a projection has no side effects.
- ``group``: a fresh consumer group gets committed offsets at the start of the range; the
  service started with that group reprocesses from there. The group must not exist yet.
  What it does again is that consumer's business (every Orderloom consumer recognises
  records by their event ids), not the replay's.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from console_service import scan
from orderloom.events.codec import codec_for
from orderloom.kafka.config import consumer_config, topic_name
from orderloom.kafka.records import Consumed
from orderloom.projections import store
from orderloom.projections.fold import HistoryRecord, fold_all
from orderloom.projections.history import history_records
from orderloom.settings import OrderloomSettings

HISTORY = "workflow.history"
TARGETS = ("projection", "group")


class ReplayError(ValueError):
    """A replay that cannot be done as asked; the message says which option is wrong."""


@dataclass(frozen=True)
class Replay:
    target: str
    topic: str = HISTORY
    from_offset: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    order_ids: tuple[str, ...] = ()
    group: str | None = None

    def check(self) -> None:
        if self.target not in TARGETS:
            raise ReplayError(f"target must be one of {', '.join(TARGETS)}")
        starts = [self.from_offset is not None, self.since is not None, bool(self.order_ids)]
        if sum(starts) > 1:
            raise ReplayError("give one of from_offset, since or order_ids")
        if self.target == "projection" and self.topic != HISTORY:
            raise ReplayError(f"topic: the executions projection reads {HISTORY}")
        if self.target == "group" and (not self.group or self.order_ids or self.until):
            raise ReplayError("group: a fresh group name is needed; it replays a whole range")

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {
            k: v.isoformat() if isinstance(v, datetime) else list(v) if isinstance(v, tuple) else v
            for k, v in data.items()
            if v not in (None, ())
        }


@dataclass(frozen=True)
class Outcome:
    records: int
    executions: int
    starts: dict[int, int]
    ends: dict[int, int]
    done: bool

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def replay(
    settings: OrderloomSettings, conn: store.Connection, request: Replay, *, dry_run: bool
) -> Outcome:
    request.check()
    kafka, topic = settings.kafka, topic_name(settings.kafka, request.topic)
    starts, ends = scan.bounds(kafka, topic, offset=request.from_offset, since=request.since)
    if request.target == "group":
        return _group(settings, topic, request, starts, ends, dry_run)
    ids = set(request.order_ids)
    if ids:
        ids |= _executions_of(conn, request.order_ids)
    chosen: set[str] = set()
    kept: list[Message] = []
    for message in scan.records(kafka, topic, starts, ends):
        key = scan.key_of(message)
        if scan.header(message, "ce_id") == f"{key}/1" and _wanted(message, key, request, ids):
            chosen.add(key)
        if key in chosen:
            kept.append(message)
    outcome = Outcome(len(kept), len(chosen), starts, ends, done=not dry_run)
    if not dry_run:
        _rebuild(conn, settings, chosen, kept)
    return outcome


def _wanted(message: Message, key: str, request: Replay, ids: set[str]) -> bool:
    if ids:
        return key in ids or scan.header(message, "ce_correlationid") in ids
    if request.until is not None:
        return message.timestamp()[1] < int(request.until.timestamp() * 1000)
    return True


def _executions_of(conn: store.Connection, order_ids: tuple[str, ...]) -> set[str]:
    found = conn.execute(
        "SELECT execution_id FROM executions WHERE correlation_id = ANY(%s)", (list(order_ids),)
    ).fetchall()
    return {str(r[0]) for r in found}


def _rebuild(
    conn: store.Connection, settings: OrderloomSettings, chosen: set[str], kept: list[Message]
) -> None:
    codec = codec_for(settings.kafka.schema_registry_url)
    events: list[HistoryRecord] = []
    for message in kept:
        events.extend(history_records(Consumed.of(message).decode(codec).envelope))
    ids = sorted(chosen)
    with conn.transaction():
        conn.execute("LOCK TABLE executions IN EXCLUSIVE MODE")
        conn.execute("DELETE FROM execution_history WHERE execution_id = ANY(%s)", (ids,))
        conn.execute("DELETE FROM executions WHERE execution_id = ANY(%s)", (ids,))
        rows: dict[str, Any] = {}
        applied = fold_all(rows, events)
        store.save_rows(conn, (rows[i] for i in sorted(rows)))
        store.save_words(conn, rows)
        store.insert_history(conn, applied)


def _group(
    settings: OrderloomSettings,
    topic: str,
    request: Replay,
    starts: dict[int, int],
    ends: dict[int, int],
    dry_run: bool,
) -> Outcome:
    per_key: dict[str, int] = defaultdict(int)
    for message in scan.records(settings.kafka, topic, starts, ends):
        per_key[scan.key_of(message)] += 1
    outcome = Outcome(sum(per_key.values()), len(per_key), starts, ends, done=not dry_run)
    if dry_run:
        return outcome
    assert request.group is not None
    consumer = Consumer(consumer_config(settings.kafka, request.group))
    try:
        tps = [TopicPartition(topic, p, o) for p, o in sorted(starts.items())]
        if any(tp.offset >= 0 for tp in consumer.committed(tps, timeout=30)):
            raise ReplayError(f"group: {request.group!r} has committed offsets already")
        consumer.commit(offsets=tps, asynchronous=False)
    finally:
        consumer.close()
    return outcome
