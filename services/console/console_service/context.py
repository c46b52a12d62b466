"""What request handlers share, created in the app's lifespan: settings, pool, publisher."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

from console_service.publish import InputsPublisher
from console_service.settings import ConsoleSettings


@dataclass(frozen=True)
class Console:
    settings: ConsoleSettings
    pool: ConnectionPool[psycopg.Connection[Any]]
    publisher: InputsPublisher


def console(request: Request) -> Console:
    found: Console = request.app.state.console
    return found


def connection(c: Annotated[Console, Depends(console)]) -> Iterator[psycopg.Connection[Any]]:
    with c.pool.connection() as conn:
        yield conn


ConsoleDep = Annotated[Console, Depends(console)]
Db = Annotated[psycopg.Connection[Any], Depends(connection)]
