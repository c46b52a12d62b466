"""The append-only audit log: who did what, when, why, to what, with which before and after.

The table refuses UPDATE, DELETE and TRUNCATE (a trigger), so an entry once written stays,
and so nothing that must not be kept goes in: payment secrets and card numbers in a reason, a
filter or an input before and after an edit are redacted as the read model's are.
An entry is written in the same transaction as the action's own bookkeeping.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from console_service.access import Principal
from orderloom.projections.redaction import redact
from orderloom.projections.store import Connection


@dataclass(frozen=True)
class AuditEntry:
    audit_id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str | None
    reason: str | None
    filter: dict[str, Any] | None
    count: int | None
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "at": self.at.isoformat()}


def record(
    conn: Connection,
    who: Principal,
    action: str,
    *,
    target: str | None = None,
    reason: str | None = None,
    filter: dict[str, Any] | None = None,
    count: int | None = None,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one entry; its id."""
    found = conn.execute(
        "INSERT INTO audit_log (actor, role, action, target, reason, filter, count, before, after)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING audit_id",
        (
            who.name,
            who.role,
            action,
            target,
            redact(reason),
            None if filter is None else Jsonb(redact(filter)),
            count,
            None if before is None else Jsonb(redact(before)),
            None if after is None else Jsonb(redact(after)),
        ),
    ).fetchone()
    assert found is not None
    return int(found[0])


def entries(
    conn: Connection, *, target: str | None = None, before_id: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Newest first; ``before_id`` pages back from an entry."""
    with conn.cursor(row_factory=class_row(AuditEntry)) as cur:
        return cur.execute(
            "SELECT audit_id, at, actor, role, action, target, reason, filter, count, before, after"
            " FROM audit_log WHERE (%(target)s::text IS NULL OR target = %(target)s)"
            " AND (%(before)s::bigint IS NULL OR audit_id < %(before)s)"
            " ORDER BY audit_id DESC LIMIT %(limit)s",
            {"target": target, "before": before_id, "limit": limit},
        ).fetchall()
