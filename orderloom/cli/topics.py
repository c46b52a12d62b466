"""``orderloom topics apply``: create every topic from ``orderloom/topics.toml``."""

from __future__ import annotations

import typer
from confluent_kafka.admin import AdminClient

from orderloom.kafka.topics import ApplyReport, apply, topic_specs
from orderloom.settings import OrderloomSettings

app = typer.Typer(no_args_is_help=True, help="Topics as code: create and check every topic.")


def apply_topics(settings: OrderloomSettings) -> ApplyReport:
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    report = apply(admin, topic_specs(settings.kafka))
    typer.echo(
        f"topics: {len(report.created)} created, {len(report.reconfigured)} reconfigured, "
        f"{len(report.unchanged)} unchanged, {len(report.drift)} drifted"
    )
    for line in report.drift:
        typer.echo(f"drift: {line}", err=True)
    return report


@app.command("apply")
def apply_command(
    strict: bool = typer.Option(False, help="Exit 4 when drift is found."),
) -> None:
    """Create missing topics, fix configs, report drift that must be fixed by hand."""
    report = apply_topics(OrderloomSettings())
    if strict and report.drift:
        raise typer.Exit(4)
