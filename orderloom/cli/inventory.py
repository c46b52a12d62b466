"""``orderloom inventory``: run the inventory service, seed its ledger, report stock."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.command()
def run() -> None:
    """Answer inventory.commands until SIGTERM; the command under way is finished first."""
    from inventory_service.bootstrap import InventorySettings, build
    from orderloom.health import serving
    from orderloom.kafka.processor import stop_on_sigterm

    stop = threading.Event()
    stop_on_sigterm(stop)
    settings = InventorySettings()
    service = build(settings)
    with serving(settings.health, service.progress):
        typer.echo(json.dumps({"ready": True}))
        service.run(stop)


@app.command()
def seed(
    catalog: Annotated[Path, typer.Option("--catalog", help="Catalogue JSON.")] = Path(
        "sim/catalog.json"
    ),
) -> None:
    """Set each product's stock, title, price and backorder flag from a catalogue."""
    from inventory_service import ledger
    from inventory_service.bootstrap import InventorySettings, open_ledger

    settings = InventorySettings()
    document = json.loads(catalog.read_text())
    location = document.get("location", settings.location)
    with open_ledger(settings) as conn:
        count = ledger.seed(conn, location, document["products"])
    typer.echo(json.dumps({"seeded": count, "location": location}))


@app.command()
def stock(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per SKU.")] = False,
) -> None:
    """On hand, reserved and available per SKU of the service's location."""
    from inventory_service import ledger
    from inventory_service.bootstrap import InventorySettings, open_ledger

    settings = InventorySettings()
    with open_ledger(settings) as conn:
        rows = ledger.stock_report(conn, settings.location)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    typer.echo(f"{'SKU':<16}{'ON HAND':>10}{'RESERVED':>10}{'AVAILABLE':>11}  TITLE")
    for r in rows:
        typer.echo(
            f"{r['sku']:<16}{r['on_hand']:>10}{r['reserved']:>10}{r['available']:>11}  {r['title']}"
        )
