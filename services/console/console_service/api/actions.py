"""Changing things: redrive one, bulk redrive (dry run first), replay. Each is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from console_service import audit
from console_service.api.auth import Admin, Operator
from console_service.api.executions import search_of
from console_service.api.problems import Problem
from console_service.context import ConsoleDep, Db
from console_service.redrive import Refused, bulk_count, bulk_redrive, redrive_one
from console_service.replay import Replay, ReplayError, replay
from orderloom.errors import RetryableError

router = APIRouter(tags=["actions"])


class RedriveBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Kept in the history.")
    input: dict[str, Any] | None = Field(
        default=None, description="A JSON object replacing the failed state's input."
    )


class Filter(BaseModel):
    workflow: str | None = None
    status: str | None = Field(default=None, description="FAILED (default) or TIMED_OUT.")
    error: str | None = None
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    order: str | None = None
    q: str | None = None


class BulkBody(BaseModel):
    filter: Filter
    reason: str = Field(min_length=1, max_length=2000)
    dry_run: bool = Field(default=True, description="Only count; send nothing.")


class ReplayBody(BaseModel):
    target: str = Field(description="projection or group")
    topic: str = "workflow.history"
    from_offset: int | None = Field(default=None, ge=0)
    since: datetime | None = None
    until: datetime | None = None
    order_ids: list[str] = Field(default_factory=list)
    group: str | None = None
    reason: str = Field(min_length=1, max_length=2000)
    dry_run: bool = True


@router.post("/executions/{execution_id}/redrive", status_code=202)
def redrive(
    execution_id: str, body: RedriveBody, c: ConsoleDep, db: Db, who: Operator
) -> dict[str, Any]:
    """Restart a failed execution from the failed state, optionally with edited input."""
    try:
        done = redrive_one(db, c.publisher.send, who, execution_id, body.reason, body.input)
    except Refused as e:
        raise Problem(e.status, str(e)) from e
    except RetryableError as e:
        raise Problem(503, f"the redrive could not be sent; nothing was done: {e}") from e
    return {
        "execution_id": execution_id,
        "audit_id": done.audit_id,
        "input_edited": body.input is not None,
    }


@router.post("/bulk-redrives")
def bulk(body: BulkBody, c: ConsoleDep, db: Db, who: Operator) -> dict[str, Any]:
    """Count (dry run), or redrive, every failed execution the filter matches."""
    f = body.filter
    search = search_of(f.workflow, f.status, f.error, f.state, f.since, f.until, f.order, f.q)
    try:
        if body.dry_run:
            return {"dry_run": True, "count": bulk_count(db, search)}
        done = bulk_redrive(
            db, c.publisher.send, who, search, body.reason, c.settings.console.bulk_limit
        )
    except Refused as e:
        raise Problem(e.status, str(e)) from e
    except RetryableError as e:
        raise Problem(503, f"the redrives could not be sent; nothing was done: {e}") from e
    return {"dry_run": False, "count": len(done.execution_ids), "audit_id": done.audit_id}


@router.post("/replays")
def replays(body: ReplayBody, c: ConsoleDep, db: Db, who: Admin) -> dict[str, Any]:
    """Reprocess a topic range into the read model or a fresh consumer group (dry run first)."""
    request = Replay(
        body.target,
        body.topic,
        body.from_offset,
        body.since,
        body.until,
        tuple(body.order_ids),
        body.group,
    )
    try:
        outcome = replay(c.settings, db, request, dry_run=body.dry_run)
    except ReplayError as e:
        raise Problem(422, str(e)) from e
    if not body.dry_run:
        audit.record(
            db,
            who,
            "replay",
            reason=body.reason,
            filter=request.as_json(),
            count=outcome.executions,
        )
    return {"dry_run": body.dry_run, **outcome.as_json()}
