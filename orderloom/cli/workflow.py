"""`orderloom workflow ...`: run definitions locally, host them on Kafka, start executions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from orderloom.workflow.errors import DefinitionError
from orderloom.workflow.execution import SUCCEEDED, load_definition
from orderloom.workflow.handlers import Handler
from orderloom.workflow.local import load_handlers, run_local

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def workflow() -> None:
    """Run ASL definitions locally or on Kafka."""


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{what} {path}: cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path}: not valid JSON: {exc}") from exc


@app.command("run-local")
def run_local_command(
    definition: Annotated[Path, typer.Argument(help="ASL definition (JSON).")],
    input: Annotated[Path | None, typer.Option("--input", help="Execution input (JSON).")] = None,
    handlers: Annotated[
        Path | None, typer.Option("--handlers", help="Python file defining HANDLERS.")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Print each history event as a JSON line on stderr.")
    ] = False,
) -> None:
    """Run one execution in process on a virtual clock; waits and backoffs take no time.

    Exit 0 and print the output on success; exit 1 and print {"error", "cause"} on failure;
    exit 2 when the definition, input or handlers cannot be loaded.
    """
    try:
        parsed = load_definition(_read_json(definition, "definition"))
        data = _read_json(input, "input") if input is not None else {}
        table: dict[str, Handler] = load_handlers(handlers) if handlers is not None else {}
    except (ValueError, DefinitionError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # the handlers file is user code; report it instead of a traceback
        typer.echo(f"error: handlers {handlers}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from exc
    result = run_local(parsed, data, table, workflow=definition.stem)
    if history:
        for event in result.history:
            typer.echo(json.dumps(event.to_dict()), err=True)
    if result.status == SUCCEEDED:
        typer.echo(json.dumps(result.output))
        return
    typer.echo(json.dumps({"error": result.error, "cause": result.cause}))
    raise typer.Exit(1)


@app.command("runner")
def runner_command(
    handlers: Annotated[
        Path | None, typer.Option("--handlers", help="Python file defining HANDLERS.")
    ] = None,
    instance: Annotated[str, typer.Option(help="This runner's name among its replicas.")] = "0",
) -> None:
    """Host executions on Kafka until SIGTERM or Ctrl-C (the open transaction finishes first)."""
    import threading

    from orderloom.kafka.processor import stop_on_sigterm
    from orderloom.settings import OrderloomSettings
    from orderloom.workflow.host import serve

    table: dict[str, Handler] = load_handlers(handlers) if handlers is not None else {}
    stop = threading.Event()
    stop_on_sigterm(stop)
    serve(OrderloomSettings(), table, stop, instance=instance)


@app.command("start")
def start_command(
    definition: Annotated[Path, typer.Argument(help="ASL definition (JSON).")],
    execution_id: Annotated[str, typer.Option("--id", help="Execution id (a repeat is a no-op).")],
    input: Annotated[Path | None, typer.Option("--input", help="Execution input (JSON).")] = None,
    workflow_name: Annotated[str | None, typer.Option("--workflow", help="Name to show.")] = None,
) -> None:
    """Start an execution on the Kafka runner: the definition is checked first."""
    from orderloom.events.codec import codec_for
    from orderloom.kafka.config import topic_name
    from orderloom.kafka.producer import EventProducer
    from orderloom.settings import OrderloomSettings
    from orderloom.workflow import wire

    try:
        raw = _read_json(definition, "definition")
        load_definition(raw)
        data = _read_json(input, "input") if input is not None else {}
    except (ValueError, DefinitionError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = OrderloomSettings()
    producer = EventProducer(settings.kafka, codec_for(settings.kafka.schema_registry_url))
    envelope = wire.start(execution_id, workflow_name or definition.stem, raw, data)
    producer.publish(topic_name(settings.kafka, "workflow.inputs"), envelope)
    producer.flush()
    typer.echo(f"started {execution_id}")


@app.command("schedule")
def schedule_command(
    config: Annotated[Path, typer.Argument(help="TOML file of [[schedule]] entries.")],
    every: Annotated[
        str | None,
        typer.Option(help="Run every schedule at this interval instead (e.g. 1m, to rehearse)."),
    ] = None,
) -> None:
    """Start scheduled workflows (interval or cron) until SIGTERM; each slot starts once."""
    import threading
    from dataclasses import replace

    from orderloom.health import Progress, serving
    from orderloom.kafka.processor import stop_on_sigterm
    from orderloom.settings import OrderloomSettings
    from orderloom.workflow import scheduler
    from orderloom.workflow.schedules import ScheduleError, load, parse_every

    try:
        schedules = load(config)
        if every is not None:
            every_s = parse_every(every)
            schedules = [replace(s, every_s=every_s, cron=None) for s in schedules]
    except (ScheduleError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    stop = threading.Event()
    stop_on_sigterm(stop)
    settings, progress = OrderloomSettings(), Progress()
    with serving(settings.health, progress):
        scheduler.run(settings, schedules, stop, progress=progress)
