"""``orderloom gateway run``: the vendor gateway, one pool per vendor of a TOML file."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer
import uvloop

from orderloom.settings import OrderloomSettings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def gateway() -> None:
    """The vendor gateway: keeps each vendor's connection cap, sync before async."""


@app.command()
def run(
    config: Annotated[
        Path, typer.Option("--config", help="Vendors file (TOML), e.g. vendors.toml.")
    ] = Path("vendors.toml"),
) -> None:
    """Consume vendor.requests and call the vendors until SIGTERM; then drain and exit 0.

    Prints one JSON line with the status port once it serves (GET /pools, /metrics).
    Exit 2 when the configuration cannot be used.
    """
    from vendor_gateway.config import ConfigError, load_config
    from vendor_gateway.service import Gateway

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per vendor call is noise

    try:
        gateway = Gateway(OrderloomSettings(), load_config(config))
    except ConfigError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

        def ready() -> None:
            typer.echo(json.dumps({"ready": True, "status_port": gateway.status.port}))

        await gateway.run(stop, ready)

    uvloop.run(serve())
