"""`orderloom executions ...`: find executions, read their history, redrive failed ones.

Reads the executions read model in PostgreSQL (ORDERLOOM_POSTGRES__DSN; a search_path in its
``options`` picks the schema) and publishes redrives to workflow.inputs.
"""

from __future__ import annotations

import getpass
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from confluent_kafka import KafkaException

from orderloom.errors import RetryableError
from orderloom.events.codec import codec_for
from orderloom.events.envelope import Envelope
from orderloom.health import Progress, serving
from orderloom.kafka.config import topic_name
from orderloom.kafka.processor import stop_on_sigterm
from orderloom.kafka.producer import EventProducer
from orderloom.projections import queries, store
from orderloom.projections.projector import ExecutionsProjector, rebuild
from orderloom.projections.text import (
    execution_text,
    executions_table,
    history_table,
    parse_when,
)
from orderloom.settings import OrderloomSettings
from orderloom.workflow.execution import FAILED, RUNNING, SUCCEEDED, TIMED_OUT

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
REDRIVE_TYPE = "orderloom.workflow.RedriveExecution"
STATUSES = (RUNNING, SUCCEEDED, FAILED, TIMED_OUT)
WINDOW_S = 1.0
"""How long the projector gathers a batch once caught up (``ExecutionsProjector.run``)."""
Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs instead of text.")]


@contextmanager
def _read_model(settings: OrderloomSettings) -> Iterator[store.Connection]:
    """A connection to the read model; a missing database or table ends the command clearly."""
    try:
        with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
            yield conn
    except psycopg.errors.UndefinedTable as e:
        typer.echo(
            "error: there is no executions read model here yet; "
            "run `orderloom executions project` first",
            err=True,
        )
        raise typer.Exit(1) from e
    except psycopg.OperationalError as e:
        typer.echo(f"error: cannot reach PostgreSQL: {e}", err=True)
        raise typer.Exit(1) from e


def _when(text: str | None, option: str) -> datetime | None:
    try:
        return None if text is None else parse_when(text)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint=option) from e


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("list")
def list_executions(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    workflow: Annotated[str | None, typer.Option(help="Workflow name.")] = None,
    error: Annotated[str | None, typer.Option(help="Error name, e.g. Payment.Declined.")] = None,
    state: Annotated[str | None, typer.Option(help="The state the execution is in.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Started at or after (ISO time, or 6h).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Started before (ISO time, or 1h).")] = None,
    correlation: Annotated[str | None, typer.Option(help="Order (correlation) id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Executions per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="Where the previous page ended.")] = None,
    as_json: Json = False,
) -> None:
    """List executions, newest first, one page at a time."""
    if status is not None and status.upper() not in STATUSES:
        raise typer.BadParameter(f"must be one of {', '.join(STATUSES)}", param_hint="--status")
    where = queries.ExecutionFilter(
        status=status.upper() if status else None,
        workflow=workflow,
        error=error,
        state=state,
        since=_when(since, "--since"),
        until=_when(until, "--until"),
        correlation_id=correlation,
    )
    with _read_model(OrderloomSettings()) as conn:
        try:
            page = queries.list_executions(conn, where, limit=limit, cursor=cursor)
        except queries.BadCursor as e:
            raise typer.BadParameter(str(e), param_hint="--cursor") from e
    if as_json:
        rows = [queries.execution_json(e) for e in page.executions]
        _echo_json({"executions": rows, "next_cursor": page.next_cursor})
        return
    typer.echo(executions_table(page.executions) if page.executions else "No executions match.")
    if page.next_cursor:
        typer.echo(f"\nMore executions: add --cursor {page.next_cursor}")


@app.command()
def show(
    execution_id: Annotated[str, typer.Argument(help="The execution's id.")],
    history: Annotated[bool, typer.Option("--history", help="Also list every event.")] = False,
    as_json: Json = False,
) -> None:
    """Show one execution: where it is, how it failed, its input and output."""
    with _read_model(OrderloomSettings()) as conn:
        row = queries.get_execution(conn, execution_id)
        events = queries.get_history(conn, execution_id) if history and row else []
    if row is None:
        typer.echo(f"No execution {execution_id!r} in the read model.", err=True)
        raise typer.Exit(1)
    if as_json:
        data = queries.execution_json(row)
        if history:
            data["history"] = [queries.history_json(e) for e in events]
        _echo_json(data)
        return
    typer.echo(execution_text(row))
    if history:
        typer.echo("\n" + history_table(events))


@app.command()
def redrive(
    execution_id: Annotated[str, typer.Argument(help="The failed execution's id.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the execution's history.")],
    actor: Annotated[str | None, typer.Option(help="Who asks (default: your user name).")] = None,
    input: Annotated[
        Path | None, typer.Option("--input", help="JSON file replacing the failed state's input.")
    ] = None,
) -> None:
    """Restart a FAILED or TIMED_OUT execution from the state that failed."""
    settings = OrderloomSettings()
    with _read_model(settings) as conn:
        row = queries.get_execution(conn, execution_id)
    if row is None:
        typer.echo(f"No execution {execution_id!r} in the read model: nothing sent.", err=True)
        raise typer.Exit(1)
    if row.status not in (FAILED, TIMED_OUT):
        typer.echo(
            f"Execution {execution_id} is {row.status}: only a FAILED or TIMED_OUT execution "
            "can be redriven. Nothing sent.",
            err=True,
        )
        raise typer.Exit(1)
    edited: str | None = None
    if input is not None:
        try:
            edited = json.dumps(json.loads(input.read_text(encoding="utf-8")))
        except (OSError, ValueError) as e:
            typer.echo(f"error: --input {input}: not a readable JSON file: {e}", err=True)
            raise typer.Exit(2) from e
    who = actor or getpass.getuser()
    data = {"execution_id": execution_id, "actor": who, "reason": reason, "edited_input": edited}
    envelope = Envelope.new(
        REDRIVE_TYPE, "orderloom-cli", execution_id, data, correlation_id=row.correlation_id
    )
    topic = topic_name(settings.kafka, "workflow.inputs")
    producer = EventProducer(settings.kafka, codec_for(settings.kafka.schema_registry_url))
    producer.publish(topic, envelope)
    try:
        producer.flush()
    except RetryableError as e:
        typer.echo(f"error: the redrive was not sent: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"Redrive requested for {execution_id} ({row.workflow}), from state {row.failed_state}"
        f" after {row.error}.\n  by: {who}\n  reason: {reason}\n"
        f"  input: {'edited, from ' + str(input) if edited else 'unchanged'}\n"
        f"  sent to {topic} as event {envelope.id}"
    )


@app.command()
def project(
    rebuild_all: Annotated[
        bool, typer.Option("--rebuild", help="Empty the read model, replay it all, then exit.")
    ] = False,
    schema: Annotated[
        str | None, typer.Option(help="PostgreSQL schema to project into (default: the DSN's).")
    ] = None,
) -> None:
    """Keep the executions read model up to date from workflow.history (until Ctrl-C)."""
    settings = OrderloomSettings()
    try:
        if rebuild_all:
            applied = rebuild(settings, schema=schema)
            typer.echo(f"Rebuilt the executions read model from {applied} history events.")
            return
        stop, progress = threading.Event(), Progress()
        stop_on_sigterm(stop)
        with (
            serving(settings.health, progress),
            ExecutionsProjector(settings, schema=schema) as projector,
        ):
            typer.echo(
                f"Projecting {projector.topic} into the executions read model; Ctrl-C stops."
            )
            _project(projector, progress, stop)
    except (KafkaException, psycopg.OperationalError, TimeoutError) as e:
        typer.echo(f"error: the projection stopped: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"Stopped after {projector.applied} events"
        f" ({projector.undecodable} records could not be decoded)."
    )


def _project(projector: ExecutionsProjector, progress: Progress, stop: threading.Event) -> None:
    """Catch up with the topic as it is at each try (ready once there), then project as
    ``ExecutionsProjector.run`` does, telling ``progress`` each turn."""
    progress.assigned()
    while not stop.is_set():
        try:
            projector.catch_up(timeout_s=1.0)
        except TimeoutError:
            progress.turned()
            continue
        progress.settled()
        break
    while not stop.is_set():
        projector.step(WINDOW_S)
        progress.turned()


@app.command("bulk-redrive")
def bulk_redrive(
    reason: Annotated[str, typer.Option(help="Why: kept in every history and the audit log.")],
    error: Annotated[str | None, typer.Option(help="Error name, e.g. ERP.Timeout.")] = None,
    status: Annotated[str, typer.Option(help="FAILED or TIMED_OUT.")] = FAILED,
    workflow: Annotated[str | None, typer.Option(help="Workflow name.")] = None,
    state: Annotated[str | None, typer.Option(help="The state they failed in.")] = None,
    since: Annotated[str | None, typer.Option(help="Started at or after (ISO, or 6h).")] = None,
    until: Annotated[str | None, typer.Option(help="Started before (ISO, or 1h).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count; send nothing.")] = False,
    actor: Annotated[str | None, typer.Option(help="Who asks (default: your user name).")] = None,
    as_json: Json = False,
) -> None:
    """Redrive every failed execution a filter matches, each once; --dry-run counts first."""
    from console_service.access import Principal
    from console_service.publish import InputsPublisher
    from console_service.redrive import Refused, bulk_count
    from console_service.redrive import bulk_redrive as redrive_all
    from console_service.search import Search
    from orderloom.projections.migrations import migrate

    where = queries.ExecutionFilter(
        status=status.upper(),
        workflow=workflow,
        error=error,
        state=state,
        since=_when(since, "--since"),
        until=_when(until, "--until"),
    )
    settings = OrderloomSettings()
    with _read_model(settings) as conn:
        migrate(conn)
        try:
            if dry_run:
                count, audit_id = bulk_count(conn, Search(where)), None
            else:
                who = Principal(actor or getpass.getuser(), "admin", "shell")
                send = InputsPublisher(settings).send
                done = redrive_all(conn, send, who, Search(where), reason, limit=1_000_000)
                count, audit_id = len(done.execution_ids), done.audit_id
        except Refused as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
        except RetryableError as e:
            typer.echo(f"error: the redrives were not sent; nothing was done: {e}", err=True)
            raise typer.Exit(1) from e
    if as_json:
        _echo_json({"dry_run": dry_run, "count": count, "audit_id": audit_id})
    elif dry_run:
        typer.echo(f"{count} executions match and would be redriven. Nothing sent.")
    else:
        typer.echo(f"Redrive requested for {count} executions (audit entry {audit_id}).")
