"""`orderloom tokens ...`: API tokens for programs, each with a role; shown once."""

from __future__ import annotations

import dataclasses
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
def create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. reconciliation-job.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    actor: Actor = None,
    as_json: Json = False,
) -> None:
    """Create a token and print its secret: it is stored hashed and cannot be shown again."""
    who = shell_user(actor)
    with console_db() as conn:
        try:
            with conn.transaction():
                token, secret = access.create_token(conn, name, role, who.name)
                audit.record(conn, who, "token-create", target=token.token_id, after={"role": role})
        except AccessError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
    if as_json:
        echo_json({**dataclasses.asdict(token), "secret": secret})
        return
    typer.echo(f"Token {token.token_id} ({name}, {role}). Keep this secret; it is shown once:\n")
    typer.echo(secret)


@app.command("list")
def list_tokens(as_json: Json = False) -> None:
    """Every token (never its secret)."""
    with console_db() as conn:
        tokens = access.list_tokens(conn)
    if as_json:
        echo_json({"tokens": [dataclasses.asdict(t) for t in tokens]})
        return
    rows = [
        (t.token_id, t.name, t.role, t.created_by, when(t.created_at), when(t.revoked_at))
        for t in tokens
    ]
    headers = ("ID", "NAME", "ROLE", "BY", "CREATED (UTC)", "REVOKED (UTC)")
    typer.echo(table(headers, rows) if tokens else "No tokens yet.")


@app.command()
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `tokens list`).")],
    actor: Actor = None,
    as_json: Json = False,
) -> None:
    """Refuse the token from now on."""
    audited_change(
        lambda conn: access.revoke_token(conn, token_id), actor, "token-revoke", token_id
    )
    if as_json:
        echo_json({"token_id": token_id, "revoked": True})
    else:
        typer.echo(f"Revoked {token_id}.")
