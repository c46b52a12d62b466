"""``orderloom schemas check``: Avro schemas stay backward compatible."""

from __future__ import annotations

from pathlib import Path

import typer

from orderloom.events.compat import check_directory
from orderloom.events.schemas import schema_dir

app = typer.Typer(no_args_is_help=True, help="Avro schema checks.")


@app.command()
def check(
    directory: Path = typer.Option(None, help="Schema folder (default: schemas/avro)."),
    against: str = typer.Option(None, help="One git revision to compare with (default: all)."),
) -> None:
    """Fail, naming the field, when a schema cannot read data of a committed version."""
    folder = directory or schema_dir()
    problems = check_directory(folder, against)
    for problem in problems:
        typer.echo(f"incompatible: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"schemas compatible: {len(list(folder.glob('*.avsc')))} checked")
