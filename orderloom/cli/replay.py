"""`orderloom replay`: reprocess a topic from an offset, a time, or for some orders.

Into the read model (``--into projection``): the executions whose history starts in the
range are deleted and folded again from workflow.history; nothing is sent to Kafka. Into a
fresh consumer group (``--into group --group NAME``): the group's offsets are set at the
start of the range, and the service you start with that group reprocesses from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from confluent_kafka import KafkaException

from console_service import audit
from console_service.replay import TARGETS, Replay, ReplayError, replay
from orderloom.cli.access import Actor, Json, console_db, echo_json, shell_user
from orderloom.projections.text import parse_when
from orderloom.settings import OrderloomSettings


def _when(text: str | None, option: str) -> datetime | None:
    try:
        return None if text is None else parse_when(text)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint=option) from e


def replay_command(
    into: Annotated[str, typer.Option(help=f"One of {', '.join(TARGETS)}.")] = "projection",
    topic: Annotated[str, typer.Option(help="Logical topic name.")] = "workflow.history",
    from_offset: Annotated[int | None, typer.Option(min=0, help="Start at this offset.")] = None,
    since: Annotated[str | None, typer.Option(help="Start at this time (ISO, or 6h).")] = None,
    until: Annotated[str | None, typer.Option(help="Executions started before this.")] = None,
    order: Annotated[list[str] | None, typer.Option(help="An order id (repeatable).")] = None,
    group: Annotated[str | None, typer.Option(help="The fresh group (--into group).")] = None,
    reason: Annotated[str, typer.Option(help="Why: kept in the audit log.")] = "replay",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count; change nothing.")] = False,
    actor: Actor = None,
    as_json: Json = False,
) -> None:
    """Reprocess a topic range; --dry-run says how many records and executions it touches."""
    request = Replay(
        into,
        topic,
        from_offset,
        _when(since, "--since"),
        _when(until, "--until"),
        tuple(order or ()),
        group,
    )
    with console_db() as conn:
        try:
            outcome = replay(OrderloomSettings(), conn, request, dry_run=dry_run)
        except ReplayError as e:
            raise typer.BadParameter(str(e)) from e
        except KafkaException as e:
            typer.echo(f"error: Kafka: {e}", err=True)
            raise typer.Exit(1) from e
        if not dry_run:
            audit.record(
                conn,
                shell_user(actor),
                "replay",
                reason=reason,
                filter=request.as_json(),
                count=outcome.executions,
            )
    if as_json:
        echo_json({"dry_run": dry_run, **outcome.as_json()})
        return
    verb = "Would replay" if dry_run else "Replayed"
    target = f"group {group}" if into == "group" else "the executions read model"
    typer.echo(
        f"{verb} {outcome.records} records of {topic} touching {outcome.executions} executions"
        f" into {target}."
    )
