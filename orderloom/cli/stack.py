"""``orderloom up|down|status|run``: the local stack and the main job."""

from __future__ import annotations

import json

import typer

from orderloom.errors import OrderloomError
from orderloom.settings import OrderloomSettings
from orderloom.stack.local import LocalStack


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(down)
    app.command()(status)
    app.command()(run)
    app.command()(smoke)


def _fail(error: OrderloomError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(1)


def up() -> None:
    """Start Kafka and PostgreSQL (installing what is missing) and apply the topics."""
    from orderloom.cli.topics import apply_topics

    settings = OrderloomSettings()
    try:
        for line in LocalStack(settings.stack).up():
            typer.echo(line)
        apply_topics(settings)
    except OrderloomError as e:
        raise _fail(e) from e


def down() -> None:
    """Stop the local stack cleanly; its data stays for the next ``up``."""
    try:
        for line in LocalStack(OrderloomSettings().stack).down():
            typer.echo(line)
    except OrderloomError as e:
        raise _fail(e) from e


def status(as_json: bool = typer.Option(False, "--json", help="One JSON object.")) -> None:
    """Say what runs where; exit 3 when something is not running."""
    servers = LocalStack(OrderloomSettings().stack).status()
    if as_json:
        typer.echo(json.dumps([s.__dict__ for s in servers]))
    else:
        for s in servers:
            state = f"running (pid {s.pid})" if s.running else "stopped"
            typer.echo(f"{s.name:<9} {state:<22} {s.address}")
    if not all(s.running for s in servers):
        raise typer.Exit(3)


def smoke(pings: int = typer.Option(100, help="Envelopes sent round the stack.")) -> None:
    """Bring the stack up and send envelopes round it through Kafka and PostgreSQL."""
    from orderloom.smoke import smoke_round_trip

    up()
    settings = OrderloomSettings()
    try:
        summary = smoke_round_trip(settings, pings)
    except OrderloomError as e:
        raise _fail(e) from e
    typer.echo(json.dumps(summary))


def run(
    orders: int = typer.Option(300, help="Order webhooks the storefront simulator sends."),
    rate: float = typer.Option(50.0, help="Webhooks per second (0: all at once)."),
    bad_share: float = typer.Option(0.1, help="Share of bad orders (all four kinds)."),
    cancel_share: float = typer.Option(0.05, help="Share of good orders later cancelled."),
    refund_share: float = typer.Option(0.05, help="Share of good orders later refunded."),
    time_scale: float = typer.Option(0.01, help="Real seconds per vendor second."),
    stay: bool = typer.Option(True, help="Keep the system running after the summary."),
) -> None:
    """Start the stack, every service and the simulators, push orders through, summarise.

    Ctrl-C stops everything it started.
    """
    import signal
    import threading

    from orderloom.kafka.processor import stop_on_sigterm
    from orderloom.system.layout import Vendors
    from orderloom.system.main import run_system
    from sim.storefront.followups import Followups

    up()
    stop = threading.Event()
    stop_on_sigterm(stop)
    # the children run in process groups of their own: a closed terminal reaches the run alone
    signal.signal(signal.SIGHUP, lambda *_: stop.set())
    try:
        run_system(
            OrderloomSettings(),
            orders=orders,
            rate=rate,
            bad_share=bad_share,
            followups=Followups(cancel_share, refund_share),
            vendors=Vendors(time_scale=time_scale),
            stay=stay,
            stop=stop,
        )
    except OrderloomError as e:
        raise _fail(e) from e
