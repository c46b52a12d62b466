"""``orderloom order``: the order service's processes."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def order() -> None:
    """Keep ``order`` a command group while it has a single command."""


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Address to bind (ORDERLOOM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (ORDERLOOM_PORT).")] = None,
) -> None:
    """The webhook intake: POST /webhooks/orders (needs ORDERLOOM_WEBHOOK_SECRET)."""
    import uvicorn

    from order_service.api import create_app
    from order_service.settings import OrderServiceSettings

    try:
        settings = OrderServiceSettings()
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise typer.BadParameter(problems, param_hint="environment") from e
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
        backlog=4096,
    )


@app.command("event-log")
def event_log() -> None:
    """Write each order's event log (order.events) from its workflow history, until SIGTERM."""
    import threading

    from order_service.event_writer import serve
    from orderloom.kafka.processor import stop_on_sigterm
    from orderloom.settings import OrderloomSettings

    stop = threading.Event()
    stop_on_sigterm(stop)
    serve(OrderloomSettings(), stop)
