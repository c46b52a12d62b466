"""`orderloom console`: serve the operations console (web pages and REST API)."""

from __future__ import annotations

from typing import Annotated

import typer


def console_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Serve the console and its API (OpenAPI at /openapi.json) until Ctrl-C."""
    import uvicorn

    from console_service.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_config=None)
