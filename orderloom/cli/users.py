"""`orderloom users ...`: who may sign in to the console, and with which role."""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated

import typer

from console_service import access, audit
from console_service.access import ROLES, AccessError
from orderloom.cli.access import (
    Actor,
    Json,
    audited_change,
    console_db,
    echo_json,
    shell_user,
)
from orderloom.projections.text import table, when

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="The name they sign in with.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    actor: Actor = None,
    as_json: Json = False,
) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    with console_db() as conn:
        try:
            with conn.transaction():
                user = access.add_user(conn, username, password, role)
                audit.record(
                    conn, shell_user(actor), "user-add", target=username, after={"role": role}
                )
        except AccessError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
    if as_json:
        echo_json(dataclasses.asdict(user))
    else:
        typer.echo(f"Added {username} as {role}.")


@app.command("list")
def list_users(as_json: Json = False) -> None:
    """Every user, with role and whether they are disabled."""
    with console_db() as conn:
        users = access.list_users(conn)
    if as_json:
        echo_json({"users": [dataclasses.asdict(u) for u in users]})
        return
    rows = [
        (u.username, u.role, "disabled" if u.disabled else "active", when(u.created_at))
        for u in users
    ]
    typer.echo(table(("USER", "ROLE", "STATE", "ADDED (UTC)"), rows) if users else "No users yet.")


@app.command()
def disable(
    username: Annotated[str, typer.Argument(help="The user to lock out.")],
    actor: Actor = None,
    as_json: Json = False,
) -> None:
    """Refuse the user's sign-ins from now on and end their sessions."""
    audited_change(
        lambda conn: access.disable_user(conn, username), actor, "user-disable", username
    )
    if as_json:
        echo_json({"username": username, "disabled": True})
    else:
        typer.echo(f"Disabled {username}.")
