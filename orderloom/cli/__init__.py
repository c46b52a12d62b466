"""The ``orderloom`` command: one typer app, one module per command group."""

from __future__ import annotations

import gc

import typer

from orderloom.cli import (
    bench,
    billing,
    executions,
    gateway,
    inventory,
    order,
    schemas,
    sim,
    stack,
    storefront,
    tokens,
    topics,
    users,
    workflow,
)
from orderloom.cli.console import console_command
from orderloom.cli.replay import replay_command
from orderloom.logs import configure_logging
from orderloom.settings import OrderloomSettings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Orderloom: order workflows on Kafka, a vendor gateway that keeps its cap, redrive.",
)


@app.callback()
def _logging() -> None:
    """Log as JSON lines on stderr (ORDERLOOM_LOG_JSON=false for plain text)."""
    settings = OrderloomSettings()
    configure_logging(settings.log_level, json=settings.log_json, service=settings.service_name)


stack.register(app)
app.add_typer(topics.app, name="topics")
app.add_typer(schemas.app, name="schemas")
app.add_typer(bench.app, name="bench")
app.add_typer(workflow.app, name="workflow")
app.add_typer(sim.app, name="sim")
app.add_typer(executions.app, name="executions")
app.add_typer(gateway.app, name="gateway")
app.add_typer(order.app, name="order")
app.add_typer(storefront.app, name="storefront")
app.add_typer(inventory.app, name="inventory")
app.add_typer(billing.app, name="billing")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.command("replay")(replay_command)
app.command("console")(console_command)


GC_GEN0_THRESHOLD = 20_000
"""Allocations between two young-generation collections (CPython's default is 700)."""


def main() -> None:
    """Console-script entry point."""
    collect_less_often()
    app()


def collect_less_often() -> None:
    """Every process here is long-running and allocates a few dicts per record it handles:
    at CPython's default threshold the cyclic collector runs every few records and again and
    again over the same long-lived objects. What start-up made is frozen out of its reach;
    the pipeline's CPU per order fell by about a fifth (docs/benchmarks.md)."""
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 10, 10)
