"""What the access commands share: the console's tables, and the shell user as the actor."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
import typer

from console_service import audit
from console_service.access import AccessError, Principal
from orderloom.projections.migrations import migrate
from orderloom.settings import OrderloomSettings

Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs instead of text.")]
Actor = Annotated[str | None, typer.Option(help="Who does this (default: your user name).")]


@contextmanager
def console_db() -> Iterator[psycopg.Connection[Any]]:
    """The console's tables (created if missing); an unreachable database ends the command."""
    dsn = OrderloomSettings().postgres.dsn
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            migrate(conn)
            yield conn
    except psycopg.OperationalError as e:
        typer.echo(f"error: cannot reach PostgreSQL: {e}", err=True)
        raise typer.Exit(1) from e


def shell_user(actor: str | None) -> Principal:
    """The person at the shell: whoever can reach the database may administer it."""
    return Principal(actor or getpass.getuser(), "admin", "shell")


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def audited_change(
    change: Callable[[psycopg.Connection[Any]], object], actor: str | None, action: str, target: str
) -> None:
    """Make ``change`` and record it in the audit log in one transaction; a refusal ends
    the command with its reason."""
    with console_db() as conn:
        try:
            with conn.transaction():
                change(conn)
                audit.record(conn, shell_user(actor), action, target=target)
        except AccessError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
