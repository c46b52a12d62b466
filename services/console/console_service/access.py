"""Who may do what: users with passwords, API tokens, login sessions, and the three roles.

Passwords are hashed with Argon2id. Tokens and session ids are 256-bit random secrets, so a
plain SHA-256 of them is what is stored: a stolen table gives no usable credential, and the
lookup stays one indexed read. Secrets are shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg.rows import class_row

from orderloom.projections.store import Connection

ROLES = ("viewer", "operator", "admin")
TOKEN_PREFIX = "olt_"
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class AccessError(ValueError):
    """A request the access tables refuse (unknown user, duplicate name, bad role)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking, as the audit log names them."""

    name: str
    role: str
    kind: str
    """``user`` (a console login) or ``token`` (an API token)."""

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class User:
    username: str
    role: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class Token:
    token_id: str
    name: str
    role: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _sha256(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def add_user(conn: Connection, username: str, password: str, role: str) -> User:
    if len(password) < 10:
        raise AccessError("a password needs at least 10 characters")
    found = conn.execute(
        "INSERT INTO console_users (username, role, password_hash) VALUES (%s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING username",
        (username, _check_role(role), _hasher.hash(password)),
    ).fetchone()
    if found is None:
        raise AccessError(f"there is already a user {username!r}")
    return next(u for u in list_users(conn) if u.username == username)


def list_users(conn: Connection) -> list[User]:
    with conn.cursor(row_factory=class_row(User)) as cur:
        return cur.execute(
            "SELECT username, role, disabled, created_at FROM console_users ORDER BY username"
        ).fetchall()


def disable_user(conn: Connection, username: str) -> None:
    """Refuse the user's logins from now on and end the sessions they have."""
    with conn.transaction():
        done = conn.execute(
            "UPDATE console_users SET disabled = true WHERE username = %s", (username,)
        )
        if done.rowcount == 0:
            raise AccessError(f"there is no user {username!r}")
        conn.execute("DELETE FROM console_sessions WHERE username = %s", (username,))


def login(conn: Connection, username: str, password: str) -> Principal | None:
    """The user if the password is theirs and they are enabled (same work either way)."""
    row = conn.execute(
        "SELECT password_hash, role, disabled FROM console_users WHERE username = %s", (username,)
    ).fetchone()
    try:
        _hasher.verify(row[0] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row[2]:
        return None
    return Principal(username, str(row[1]), "user")


def create_token(conn: Connection, name: str, role: str, created_by: str) -> tuple[Token, str]:
    """A new token and its secret, which is not stored and cannot be shown again."""
    token_id = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    conn.execute(
        "INSERT INTO api_tokens (token_id, name, role, secret_sha256, created_by)"
        " VALUES (%s, %s, %s, %s, %s)",
        (token_id, name, _check_role(role), _sha256(secret), created_by),
    )
    return next(t for t in list_tokens(conn) if t.token_id == token_id), secret


def list_tokens(conn: Connection) -> list[Token]:
    with conn.cursor(row_factory=class_row(Token)) as cur:
        return cur.execute(
            "SELECT token_id, name, role, created_by, created_at, revoked_at"
            " FROM api_tokens ORDER BY created_at, token_id"
        ).fetchall()


def revoke_token(conn: Connection, token_id: str) -> None:
    done = conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = %s AND revoked_at IS NULL",
        (token_id,),
    )
    if done.rowcount == 0:
        raise AccessError(f"there is no live token {token_id!r}")


def bearer(conn: Connection, secret: str) -> Principal | None:
    """Whose token this is, if it is one that exists and is not revoked."""
    token_id = secret.removeprefix(TOKEN_PREFIX).partition("_")[0]
    row = conn.execute(
        "SELECT name, role, secret_sha256 FROM api_tokens"
        " WHERE token_id = %s AND revoked_at IS NULL",
        (token_id,),
    ).fetchone()
    if row is None or not hmac.compare_digest(bytes(row[2]), _sha256(secret)):
        return None
    return Principal(f"token:{row[0]}", str(row[1]), "token")


def open_session(conn: Connection, user: Principal, hours: float) -> str:
    """A new session id for the cookie; its CSRF token is kept with it."""
    session_id = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    conn.execute(
        "INSERT INTO console_sessions (session_sha256, username, csrf_token, expires_at)"
        " VALUES (%s, %s, %s, %s)",
        (_sha256(session_id), user.name, secrets.token_urlsafe(32), expires),
    )
    return session_id


def session(conn: Connection, session_id: str) -> tuple[Principal, str] | None:
    """The logged-in user and the session's CSRF token, while the session lasts."""
    row: Any = conn.execute(
        "SELECT u.username, u.role, s.csrf_token FROM console_sessions s"
        " JOIN console_users u USING (username)"
        " WHERE s.session_sha256 = %s AND s.expires_at > now() AND NOT u.disabled",
        (_sha256(session_id),),
    ).fetchone()
    return None if row is None else (Principal(row[0], row[1], "user"), row[2])


def close_session(conn: Connection, session_id: str) -> None:
    conn.execute("DELETE FROM console_sessions WHERE session_sha256 = %s", (_sha256(session_id),))
