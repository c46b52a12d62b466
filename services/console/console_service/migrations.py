"""The console's own tables, numbered apart from the read model's (component ``console``).

The read model's migrations (``orderloom.projections.migrations``) hold the tables the
console shares with the CLI; what only the console's web process uses is kept here.
"""

from __future__ import annotations

from typing import Any

import psycopg

from orderloom.outbox.migrations import Migration, migrate

COMPONENT = "console"
MIGRATIONS: list[Migration] = [
    (
        1,
        "failed logins per user and per client address, and the lockouts they caused",
        """
        CREATE TABLE console_login_failures (
            scope        text NOT NULL CHECK (scope IN ('user', 'address')),
            subject      text NOT NULL,
            failures     integer NOT NULL,
            window_start timestamptz NOT NULL,
            locked_until timestamptz,
            lockouts     integer NOT NULL DEFAULT 0,
            PRIMARY KEY (scope, subject)
        );
        """,
    ),
]


def migrate_console(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply the console's migrations this schema lacks; the versions applied."""
    return migrate(conn, COMPONENT, MIGRATIONS)


def latest() -> int:
    return MIGRATIONS[-1][0]
