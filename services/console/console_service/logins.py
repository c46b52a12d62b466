"""Failed logins counted per user name and per client address, in PostgreSQL, so a lockout
holds across restarts and for every replica; each failure and each lockout is audited.

A name nobody has is counted like a real one, so the answers tell an attacker nothing about
which names exist. The database's clock decides, the same for every replica.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg.rows import class_row

from console_service import audit
from console_service.access import Principal
from console_service.throttle import Policy, Tally, after_failure
from orderloom.projections.store import Connection

_LONGEST_NAME = 200


@dataclass(frozen=True)
class Attempt:
    """Who tried to sign in, from where (never the password)."""

    username: str
    address: str

    def subjects(self) -> list[tuple[str, str]]:
        """The counters the attempt moves, in the order their rows are locked."""
        return [("address", self.address), ("user", self.username[:_LONGEST_NAME])]


@dataclass(frozen=True)
class _Row:
    scope: str
    subject: str
    failures: int
    window_start: datetime
    locked_until: datetime | None
    lockouts: int
    now: datetime


def retry_after(wait: timedelta) -> str:
    """``Retry-After`` in whole seconds, rounded up."""
    return str(max(1, math.ceil(wait.total_seconds())))


def locked_for(conn: Connection, attempt: Attempt) -> timedelta | None:
    """How long the user name or the address is still locked out; ``None`` when neither is."""
    (_, address), (_, name) = attempt.subjects()
    found = conn.execute(
        "SELECT max(locked_until) - now() FROM console_login_failures"
        " WHERE (scope = 'address' AND subject = %s) OR (scope = 'user' AND subject = %s)",
        (address, name),
    ).fetchone()
    wait = None if found is None else found[0]
    return wait if isinstance(wait, timedelta) and wait > timedelta(0) else None


def failed(conn: Connection, attempt: Attempt, per_user: Policy, per_address: Policy) -> None:
    """Count a failed login, lock out what reached its limit, and audit both."""
    policies = {"user": per_user, "address": per_address}
    anonymous = Principal(attempt.username[:_LONGEST_NAME] or "-", "anonymous", "user")
    with conn.transaction():
        for scope, subject in attempt.subjects():
            conn.execute(
                "INSERT INTO console_login_failures (scope, subject, failures, window_start)"
                " VALUES (%s, %s, 0, now()) ON CONFLICT DO NOTHING",
                (scope, subject),
            )
        audit.record(
            conn,
            anonymous,
            "login-failed",
            target=anonymous.name,
            reason=f"wrong user name or password, from {attempt.address}",
        )
        for scope, subject in attempt.subjects():
            row = _locked_row(conn, scope, subject)
            before = Tally(row.failures, row.window_start, row.locked_until, row.lockouts)
            after = after_failure(before, row.now, policies[scope])
            conn.execute(
                "UPDATE console_login_failures SET failures = %s, window_start = %s,"
                " locked_until = %s, lockouts = %s WHERE scope = %s AND subject = %s",
                (*_values(after), scope, subject),
            )
            if after.locked_until is not None and after.locked_until != before.locked_until:
                minutes = (after.locked_until - row.now).total_seconds() / 60
                audit.record(
                    conn,
                    anonymous,
                    "login-locked",
                    target=f"{scope}:{subject}",
                    reason=f"{after.failures} failed logins since"
                    f" {after.window_start.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, the last for"
                    f" {anonymous.name!r} from {attempt.address}:"
                    f" locked for {minutes:.1f} min",
                )


def succeeded(conn: Connection, username: str) -> None:
    """A good login clears the user's failures (not the address's: one account of one's own
    must not reset the guesses made from there at others)."""
    conn.execute(
        "DELETE FROM console_login_failures WHERE scope = 'user' AND subject = %s",
        (username[:_LONGEST_NAME],),
    )


def _values(t: Tally) -> tuple[int, datetime, datetime | None, int]:
    return t.failures, t.window_start, t.locked_until, t.lockouts


def _locked_row(conn: Connection, scope: str, subject: str) -> _Row:
    with conn.cursor(row_factory=class_row(_Row)) as cur:
        found = cur.execute(
            "SELECT scope, subject, failures, window_start, locked_until, lockouts, now() AS now"
            " FROM console_login_failures WHERE scope = %s AND subject = %s FOR UPDATE",
            (scope, subject),
        ).fetchone()
    assert found is not None
    return found
