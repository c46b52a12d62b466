"""The executions read model in PostgreSQL: rows, history and how far the projection has read.

The caller holds the transaction: rows, history and offsets of one batch are written in the
same one, so a batch is either wholly applied with its offsets or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import class_row
from psycopg.types.json import Json, Jsonb, set_json_loads

from orderloom import jsontext
from orderloom.projections.fold import ExecutionRow, HistoryRecord

Connection = psycopg.Connection[Any]
COLUMNS = [f.name for f in dataclasses.fields(ExecutionRow)]
_JSON_COLUMNS = {"input", "output"}
_SELECT_FOR_UPDATE = sql.SQL(
    "SELECT {} FROM executions WHERE execution_id = ANY(%b) ORDER BY execution_id FOR UPDATE"
).format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
_UPSERT = sql.SQL(
    "INSERT INTO executions ({}) VALUES ({}) ON CONFLICT (execution_id) DO UPDATE SET {}"
).format(
    sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
    sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS)),
    sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
        for c in COLUMNS
        if c != "execution_id"
    ),
)

_SAVE_WORDS: LiteralString = (
    "INSERT INTO execution_words (execution_id, words)"
    " SELECT execution_id,"
    " jsonb_to_tsvector('simple'::regconfig, input, '[\"string\", \"numeric\"]')"
    " FROM executions WHERE execution_id = ANY(%b) AND input IS NOT NULL"
    " ON CONFLICT (execution_id) DO UPDATE SET words = EXCLUDED.words"
)


def connect(dsn: str, schema: str | None = None, **kwargs: Any) -> Connection:
    """A connection to ``dsn``; with ``schema``, that schema (created if need be) comes first.

    Without ``schema`` the DSN decides, e.g. ``?options=-c%20search_path%3Dreadmodels``.
    JSON columns are read with orjson: the projector reads back every row it updates.
    """
    conn = psycopg.connect(dsn, **kwargs)
    set_json_loads(jsontext.loads, conn)
    if schema is not None:
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    return conn


def rows_for_update(conn: Connection, execution_ids: Iterable[str]) -> dict[str, ExecutionRow]:
    """The current rows of these executions, locked until the transaction ends."""
    with conn.cursor(row_factory=class_row(ExecutionRow)) as cur:
        found = cur.execute(_SELECT_FOR_UPDATE, (sorted(set(execution_ids)),)).fetchall()
    return {row.execution_id: row for row in found}


def save_rows(conn: Connection, rows: Iterable[ExecutionRow]) -> None:
    params = [[_param(name, getattr(row, name)) for name in COLUMNS] for row in rows]
    if params:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, params)


def save_words(conn: Connection, execution_ids: Iterable[str]) -> None:
    """Index the words of these executions' inputs for free-text search (after their rows are
    saved): once when an execution starts, not at each of its steps."""
    ids = sorted(set(execution_ids))
    if ids:
        conn.execute(_SAVE_WORDS, (ids,))


def _param(column: str, value: Any) -> Any:
    return Jsonb(value, jsontext.dumps) if column in _JSON_COLUMNS and value is not None else value


def insert_history(conn: Connection, events: Iterable[HistoryRecord]) -> None:
    """Append events the fold accepted (new by construction, so a conflict is a bug: it fails)."""
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY execution_history"
            " (execution_id, event_id, event_type, state_name, timestamp, details)"
            " FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["text", "int8", "text", "text", "timestamptz", "json"])
        for e in events:
            copy.write_row(
                (
                    e.execution_id,
                    e.event_id,
                    e.event_type,
                    e.state_name,
                    e.timestamp,
                    Json(e.details_text, _as_written),
                )
            )


def _as_written(text: str) -> str:
    """JSON text passed through: the details are stored as the runner wrote them."""
    return text


def load_offsets(conn: Connection, projection: str, topic: str) -> dict[int, int]:
    """Partition -> the next offset this projection must read."""
    found = conn.execute(
        "SELECT partition, next_offset FROM projection_offsets"
        " WHERE projection = %s AND topic = %s",
        (projection, topic),
    ).fetchall()
    return {int(p): int(o) for p, o in found}


def save_offsets(conn: Connection, projection: str, topic: str, offsets: Mapping[int, int]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO projection_offsets (projection, topic, partition, next_offset)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (projection, topic, partition)"
            " DO UPDATE SET next_offset = EXCLUDED.next_offset",
            [(projection, topic, p, o) for p, o in sorted(offsets.items())],
        )


def reset(conn: Connection, projection: str) -> None:
    """Forget every row and where the projection had read to: the next run rebuilds it all."""
    with conn.transaction():
        conn.execute("TRUNCATE executions, execution_words, execution_history")
        conn.execute("DELETE FROM projection_offsets WHERE projection = %s", (projection,))
