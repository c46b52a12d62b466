"""What a deployment file may say about the code: a command the CLI has, with options it
takes, and ``ORDERLOOM_`` variables that are fields of the settings the command reads."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from billing_service.bootstrap import BillingSettings
from console_service.settings import ConsoleSettings
from inventory_service.bootstrap import InventorySettings
from order_service.settings import OrderServiceSettings
from orderloom.cli import app
from orderloom.settings import OrderloomSettings

PREFIX = "ORDERLOOM_"
SETTINGS_OF: dict[tuple[str, ...], type[OrderloomSettings]] = {
    ("order", "api"): OrderServiceSettings,
    ("inventory",): InventorySettings,
    ("billing",): BillingSettings,
    ("console",): ConsoleSettings,
}


def command_problem(args: Sequence[str]) -> str | None:
    """Why ``orderloom ARGS`` would not start (an unknown command or option), or None.

    ``--help`` after the arguments makes the CLI parse them all and run nothing."""
    done = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    if done.exit_code != 0:
        return f"orderloom {' '.join(args)}: {done.output.strip()}"
    if "Commands" in done.output:
        return f"orderloom {' '.join(args)}: names a group, not a command"
    return None


def settings_of(args: Sequence[str]) -> type[OrderloomSettings]:
    """The settings class the command builds from the environment."""
    for n in range(len(args), 0, -1):
        if (found := SETTINGS_OF.get(tuple(args[:n]))) is not None:
            return found
    return OrderloomSettings


def option_variables(args: Sequence[str]) -> set[str]:
    """The environment variables the command's options are read from."""
    command = typer.main.get_command(app)
    for word in args:
        subcommands = getattr(command, "commands", {})
        if word not in subcommands:
            break
        command = subcommands[word]
    names: set[str] = set()
    for param in command.params:
        envvar = param.envvar
        names.update([envvar] if isinstance(envvar, str) else envvar or [])
    return names


def unknown_variables(args: Sequence[str], names: Sequence[str]) -> list[str]:
    """The ``ORDERLOOM_`` names among ``names`` that neither a field of the command's settings
    nor one of its options reads."""
    settings, options = settings_of(args), option_variables(args)
    return [
        n for n in names if n.startswith(PREFIX) and n not in options and not _is_field(settings, n)
    ]


def _is_field(model: type[BaseModel], variable: str) -> bool:
    parts = variable.removeprefix(PREFIX).lower().split("__")
    current: type[BaseModel] = model
    for i, part in enumerate(parts):
        field = current.model_fields.get(part)
        if field is None:
            return False
        kind = field.annotation
        last = i == len(parts) - 1
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if last:
                return False
            current = kind
        elif not last:
            return False
    return True
