"""``orderloom storefront``: the storefront simulator, sending webhooks and serving its API."""

from __future__ import annotations

import json
from typing import Annotated

import typer
import uvloop

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.command()
def send(
    orders: Annotated[int, typer.Option(help="How many orders/create webhooks.")] = 100,
    rate: Annotated[float | None, typer.Option(help="Webhooks per second.")] = None,
    burst: Annotated[bool, typer.Option(help="All at once (the holiday backlog).")] = False,
    bad_share: Annotated[
        float, typer.Option(help="Share of bad webhooks, spread over the bad kinds.")
    ] = 0.0,
    url: Annotated[str, typer.Option(help="The intake's webhook URL.")] = (
        "http://127.0.0.1:8080/webhooks/orders"
    ),
    secret: Annotated[
        str, typer.Option(envvar="ORDERLOOM_WEBHOOK_SECRET", help="The shared webhook secret.")
    ] = "",
    seed: Annotated[int, typer.Option(help="Same seed, same orders.")] = 1,
    first: Annotated[int, typer.Option(help="Index of the first order of the run.")] = 0,
    concurrency: Annotated[int, typer.Option(help="Connections to the intake.")] = 64,
    shop_domain: Annotated[str, typer.Option(help="X-Shopify-Shop-Domain.")] = (
        "orderloom-demo.myshopify.com"
    ),
) -> None:
    """Send signed order webhooks built from sim/catalog.json; prints a JSON report."""
    from sim.storefront import OrderFactory, build, send_webhooks

    if (rate is None) == (not burst):
        raise typer.BadParameter("give either --rate R or --burst")
    if not secret:
        raise typer.BadParameter("--secret or ORDERLOOM_WEBHOOK_SECRET is required")
    try:
        factory = OrderFactory(secret, seed=seed, bad_share=bad_share, shop_domain=shop_domain)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    webhooks = build(factory, orders, first=first)
    report = uvloop.run(send_webhooks(url, webhooks, rate=rate, concurrency=concurrency))
    typer.echo(json.dumps(report.as_dict()))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8082,
) -> None:
    """The storefront's API for Orderloom's calls: fulfilments, stock levels, products.

    GET /stats shows fulfilled orders, levels set, products updated and duplicates.
    """
    import uvicorn

    from sim.storefront import create_app

    uvicorn.run(create_app(), host=host, port=port, log_config=None, access_log=False)
