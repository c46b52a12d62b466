"""The ``orderloom`` command: one typer app, one module per command group."""

from __future__ import annotations

import typer

from orderloom.cli import bench, schemas, stack, topics

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
stack.register(app)
app.add_typer(topics.app, name="topics")
app.add_typer(schemas.app, name="schemas")
app.add_typer(bench.app, name="bench")


def main() -> None:
    """Console-script entry point."""
    app()
