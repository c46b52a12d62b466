"""The outbox and processed-message tables, and the SQL that reads and writes them.

Rows hold records already encoded (value and headers as Kafka will carry them), so the
relay publishes bytes and a row published twice is byte for byte the same record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg

from orderloom.events.codec import Headers
from orderloom.kafka.records import Outgoing
from orderloom.outbox.migrations import Migration, migrate

Connection = psycopg.Connection[Any]

MIGRATIONS: list[Migration] = [
    (
        1,
        "outbox and processed messages",
        """
        CREATE TABLE outbox (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id    text,
            topic         text NOT NULL,
            key           bytea,
            value         bytea,
            header_names  text[] NOT NULL,
            header_values bytea[] NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            sent_at       timestamptz
        );
        CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
        CREATE INDEX outbox_by_message ON outbox (message_id);

        CREATE TABLE processed_messages (
            message_id   text PRIMARY KEY,
            processed_at timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        2,
        "outbox: pruned by an index on sent_at; no index by message",
        """
        CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
        DROP INDEX outbox_by_message;
        """,
    ),
]


@dataclass(frozen=True)
class Row:
    """One record waiting in the outbox."""

    id: int
    record: Outgoing


def install(conn: Connection) -> None:
    """Create or upgrade the outbox tables in the connection's schema."""
    migrate(conn, "outbox", MIGRATIONS)


def add_all(conn: Connection, rows: list[tuple[Outgoing, str | None]]) -> None:
    """Queue records with their message ids in one COPY; ids follow the order given."""
    if not rows:
        return
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY outbox (message_id, topic, key, value, header_names, header_values)"
            " FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["text", "text", "bytea", "bytea", "text[]", "bytea[]"])
        for record, message_id in rows:
            names = [name for name, _ in record.headers]
            values = [v.encode() if isinstance(v, str) else v for _, v in record.headers]
            copy.write_row((message_id, record.topic, record.key, record.value, names, values))


def lock_all(conn: Connection, names: list[str]) -> None:
    """Take the named locks until the transaction ends, in the order of their keys whatever
    the names' order: two batches that share names never wait on each other in a circle."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(k) FROM"
        " (SELECT DISTINCT hashtext(n) AS k FROM unnest(%b::text[]) AS n ORDER BY k) AS keys",
        (names,),
    )


def first_times(conn: Connection, message_ids: list[str]) -> set[str]:
    """Record each id as processed; the ones that were not already."""
    if not message_ids:
        return set()
    rows = conn.execute(
        "INSERT INTO processed_messages (message_id) SELECT unnest(%b::text[])"
        " ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
        (message_ids,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def pending(conn: Connection, limit: int) -> list[Row]:
    """The oldest unsent rows, in the order they were written."""
    found = conn.execute(
        "SELECT id, topic, key, value, header_names, header_values FROM outbox"
        " WHERE sent_at IS NULL ORDER BY id LIMIT %s",
        (limit,),
    ).fetchall()
    return [
        Row(
            int(id_),
            Outgoing(
                topic,
                None if key is None else bytes(key),
                None if value is None else bytes(value),
                _headers(names, values),
            ),
        )
        for id_, topic, key, value, names, values in found
    ]


def mark_sent(conn: Connection, ids: list[int]) -> None:
    if ids:
        conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY(%b)", (ids,))


def prune(conn: Connection, older_than: timedelta) -> int:
    """Delete rows sent longer than ``older_than`` ago; how many went. An index range scan
    (``outbox_sent``): the relay prunes every minute, and a week of rows is millions."""
    cur = conn.execute("DELETE FROM outbox WHERE sent_at < now() - %s", (older_than,))
    return cur.rowcount


def _headers(names: list[str], values: list[bytes | None]) -> Headers:
    return [(n, None if v is None else bytes(v)) for n, v in zip(names, values, strict=True)]
