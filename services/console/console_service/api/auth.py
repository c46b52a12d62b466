"""Bearer-token authentication and role checks for the API: 401 unknown, 403 too weak."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header

from console_service import access
from console_service.access import Principal
from console_service.api.problems import Problem
from console_service.context import Db

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer(db: Db, authorization: Annotated[str | None, Header()] = None) -> Principal:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise Problem(
            401, "an API token is required: Authorization: Bearer <token>", headers=_CHALLENGE
        )
    who = access.bearer(db, secret.strip())
    if who is None:
        raise Problem(401, "this API token is unknown or has been revoked", headers=_CHALLENGE)
    return who


def role(needed: str) -> Callable[[Principal], Principal]:
    def check(who: Annotated[Principal, Depends(bearer)]) -> Principal:
        if not who.may(needed):
            raise Problem(403, f"this needs the {needed} role; {who.name} is a {who.role}")
        return who

    return check


Viewer = Annotated[Principal, Depends(role("viewer"))]
Operator = Annotated[Principal, Depends(role("operator"))]
Admin = Annotated[Principal, Depends(role("admin"))]
