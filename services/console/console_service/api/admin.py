"""Users, API tokens and the audit log (admins manage access; viewers read the log)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from console_service import access, audit
from console_service.access import AccessError
from console_service.api.auth import Admin, Viewer
from console_service.api.problems import Problem
from console_service.context import Db

router = APIRouter(tags=["access"])


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=10)
    role: str = "viewer"


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = "viewer"


def _json(item: Any) -> dict[str, Any]:
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else v
        for k, v in dataclasses.asdict(item).items()
    }


@router.get("/users")
def users(db: Db, _: Admin) -> dict[str, Any]:
    return {"users": [_json(u) for u in access.list_users(db)]}


@router.post("/users", status_code=201)
def add_user(body: NewUser, db: Db, who: Admin) -> dict[str, Any]:
    try:
        with db.transaction():
            user = access.add_user(db, body.username, body.password, body.role)
            audit.record(db, who, "user-add", target=body.username, after={"role": body.role})
    except AccessError as e:
        raise Problem(422, str(e)) from e
    return _json(user)


@router.post("/users/{username}/disable")
def disable_user(username: str, db: Db, who: Admin) -> dict[str, Any]:
    try:
        with db.transaction():
            access.disable_user(db, username)
            audit.record(db, who, "user-disable", target=username)
    except AccessError as e:
        raise Problem(404, str(e)) from e
    return {"username": username, "disabled": True}


@router.get("/tokens")
def tokens(db: Db, _: Admin) -> dict[str, Any]:
    return {"tokens": [_json(t) for t in access.list_tokens(db)]}


@router.post("/tokens", status_code=201)
def create_token(body: NewToken, db: Db, who: Admin) -> dict[str, Any]:
    """The secret is in this answer only: it is stored hashed."""
    try:
        with db.transaction():
            token, secret = access.create_token(db, body.name, body.role, who.name)
            audit.record(db, who, "token-create", target=token.token_id, after={"role": body.role})
    except AccessError as e:
        raise Problem(422, str(e)) from e
    return {**_json(token), "secret": secret}


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: str, db: Db, who: Admin) -> dict[str, Any]:
    try:
        with db.transaction():
            access.revoke_token(db, token_id)
            audit.record(db, who, "token-revoke", target=token_id)
    except AccessError as e:
        raise Problem(404, str(e)) from e
    return {"token_id": token_id, "revoked": True}


@router.get("/audit")
def audit_log(
    db: Db,
    _: Viewer,
    target: str | None = None,
    before: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Newest first; ``before`` an audit id to page back."""
    found = audit.entries(db, target=target, before_id=before, limit=limit)
    return {"entries": [e.to_json() for e in found]}
