"""Completion records: what the vendor answered, by idempotency key, in PostgreSQL.

A request redelivered after a crash (its offset was not committed yet) is looked
up here before it takes a slot; if it completed, its answer is replayed instead of
calling the vendor again. Recorded before the reply is produced, so a reply never
exists for a call the gateway could forget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from psycopg_pool import AsyncConnectionPool

from orderloom.poison import condemned
from vendor_gateway.jobs import Result

MIGRATIONS = (
    """
    CREATE TABLE IF NOT EXISTS vendor_completions (
        vendor          text        NOT NULL,
        idempotency_key text        NOT NULL,
        status          integer,
        body            text        NOT NULL,
        error           text,
        cause           text        NOT NULL DEFAULT '',
        completed_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor, idempotency_key)
    )
    """,
)
_LOCK = 0x76656E64  # advisory lock id: two gateways starting at once migrate one at a time


class CompletionStore:
    """Completions of every vendor, over a small connection pool."""

    def __init__(self, dsn: str) -> None:
        self._pool = AsyncConnectionPool(dsn, min_size=1, max_size=4, open=False)
        self._pending: list[tuple[tuple[str, str, Result], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect and apply the migrations (idempotent)."""
        await self._pool.open(wait=True, timeout=30)
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            for statement in MIGRATIONS:
                await conn.execute(statement)

    async def close(self) -> None:
        await self._pool.close()

    async def found(self, vendor: str, keys: Iterable[str]) -> dict[str, Result]:
        """The recorded results among ``keys`` of ``vendor``."""
        wanted = list(keys)
        if not wanted:
            return {}
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT idempotency_key, status, body, error, cause FROM vendor_completions"
                " WHERE vendor = %s AND idempotency_key = ANY(%b)",
                (vendor, wanted),
            )
            rows = await cursor.fetchall()
        return {key: Result(status, body, error, cause) for key, status, body, error, cause in rows}

    async def record(self, vendor: str, key: str, result: Result) -> None:
        """Record a result; a key already recorded keeps its first result.

        Returns once the result is committed. Results recorded while a write is under way
        go together in the next one: one round trip for many, not one each.
        """
        done = asyncio.get_running_loop().create_future()
        self._pending.append(((vendor, key, result), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await done

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._insert([row for row, _ in batch])
            except Exception as e:  # every waiter learns of it; the writer goes on
                if len(batch) > 1 and condemned(e) is not None:
                    await self._write_each(batch)
                    continue
                for _, done in batch:
                    if not done.done():
                        done.set_exception(e)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _write_each(
        self, batch: list[tuple[tuple[str, str, Result], asyncio.Future[None]]]
    ) -> None:
        """A batch PostgreSQL refused, a row at a time: only the row at fault fails."""
        for row, done in batch:
            try:
                await self._insert([row])
            except Exception as e:
                if not done.done():
                    done.set_exception(e)
            else:
                if not done.done():
                    done.set_result(None)

    async def _insert(self, rows: list[tuple[str, str, Result]]) -> None:
        columns: tuple[list[object], ...] = ([], [], [], [], [], [])
        for vendor, key, r in rows:
            for column, value in zip(
                columns, (vendor, key, r.status, r.body, r.error, r.cause), strict=True
            ):
                column.append(value)
        async with self._pool.connection() as conn:
            await conn.execute(
                "INSERT INTO vendor_completions"
                " (vendor, idempotency_key, status, body, error, cause)"
                " SELECT * FROM unnest(%b::text[], %b::text[], %b::int[], %b::text[],"
                " %b::text[], %b::text[]) ON CONFLICT DO NOTHING",
                columns,
            )
