"""``orderloom billing``: run the billing service, report captures."""

from __future__ import annotations

import json
import threading
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.command()
def run() -> None:
    """Answer billing.commands and the gateway's replies until SIGTERM."""
    from billing_service.bootstrap import BillingSettings, build
    from orderloom.health import serving
    from orderloom.kafka.processor import stop_on_sigterm

    stop = threading.Event()
    stop_on_sigterm(stop)
    settings = BillingSettings()
    service = build(settings)
    with serving(settings.health, service.progress):
        typer.echo(json.dumps({"ready": True}))
        service.run(stop)


@app.command()
def captures(
    limit: Annotated[int, typer.Option(help="How many, latest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per capture.")] = False,
) -> None:
    """The latest captures: status, amount, provider id, invoice and amount refunded."""
    from billing_service import records
    from billing_service.bootstrap import BillingSettings, open_records

    with open_records(BillingSettings()) as conn:
        rows = records.captures_report(conn, limit)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, default=str))
        return
    typer.echo(f"{'ORDER':<24}{'STATUS':<10}{'AMOUNT':>12} {'CAPTURE':<20}{'INVOICE':<24}REFUNDED")
    for r in rows:
        amount = f"{r['amount_cents'] / 100:.2f} {r['currency']}"
        typer.echo(
            f"{r['order_id']:<24}{r['status']:<10}{amount:>12} {r['capture_id'] or '-':<20}"
            f"{r['invoice_id'] or '-':<24}{r['refunded_cents'] or 0}"
        )
