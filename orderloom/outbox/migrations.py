"""Numbered migrations per component, so several components can share one PostgreSQL schema.

The outbox, the inventory ledger and the billing records each keep their own version
numbers in ``component_migrations``; each migration runs once, in one transaction.
"""

from __future__ import annotations

from typing import Any, LiteralString

import psycopg

Migration = tuple[int, str, LiteralString]
_LOCK = "orderloom.component_migrations"


def migrate(
    conn: psycopg.Connection[Any], component: str, migrations: list[Migration]
) -> list[int]:
    """Apply the migrations of ``component`` this schema lacks; the versions applied."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS component_migrations (
                   component  text NOT NULL,
                   version    integer NOT NULL,
                   name       text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        done = {
            v
            for (v,) in conn.execute(
                "SELECT version FROM component_migrations WHERE component = %s", (component,)
            ).fetchall()
        }
        applied: list[int] = []
        for version, name, ddl in migrations:
            if version in done:
                continue
            conn.execute(ddl)
            conn.execute(
                "INSERT INTO component_migrations (component, version, name) VALUES (%s, %s, %s)",
                (component, version, name),
            )
            applied.append(version)
    return applied
