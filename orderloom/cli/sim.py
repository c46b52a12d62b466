"""``orderloom sim``: simulators to rehearse against, as processes."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

import typer
import uvloop

from sim.vendor import DownMode, DurationSpec, VendorConfig, VendorServer, Window, fixtures, serve

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def simulators() -> None:
    """Keep ``sim`` a command group even while it has a single command."""


def _windows(values: list[str]) -> tuple[Window, ...]:
    try:
        return tuple(Window.parse(v) for v in values)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--storm") from e


@app.command()
def vendor(
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8081,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    cap: Annotated[int, typer.Option(help="Hard cap of concurrent requests.")] = 25,
    shared_clients: Annotated[
        int, typer.Option(help="Slots held by another client: our share is cap minus this.")
    ] = 0,
    duration: Annotated[
        str, typer.Option(help="fixed:S, uniform:LOW,HIGH or lognormal:MU,SIGMA (seconds).")
    ] = "uniform:2,300",
    min_duration: Annotated[float | None, typer.Option(help="Clip durations below.")] = None,
    max_duration: Annotated[float | None, typer.Option(help="Clip durations above.")] = None,
    time_scale: Annotated[
        float,
        typer.Option(help="Real seconds per vendor second (0.01: 2-300 s in 20 ms-3 s)."),
    ] = 1.0,
    seed: Annotated[int | None, typer.Option(help="RNG seed, for repeatable runs.")] = None,
    error_rate: Annotated[float, typer.Option(help="Share of requests answered 500.")] = 0.0,
    timeout_rate: Annotated[
        float, typer.Option(help="Share of requests held for --timeout-hold, then 504.")
    ] = 0.0,
    timeout_hold: Annotated[float, typer.Option(help="Vendor seconds a timeout holds.")] = 3600.0,
    retry_after: Annotated[float, typer.Option(help="Retry-After of 429/503, vendor s.")] = 1.0,
    storm: Annotated[
        list[str] | None, typer.Option(help="429 storm START:LENGTH in vendor seconds; repeatable.")
    ] = None,
    down: Annotated[DownMode | None, typer.Option(help="Start down: 503 or refuse.")] = None,
    down_for: Annotated[
        float | None, typer.Option(help="Vendor seconds the launch outage lasts (else: for good).")
    ] = None,
    slow_start: Annotated[
        float, typer.Option(help="Vendor seconds during which requests start slower.")
    ] = 0.0,
    slow_start_factor: Annotated[
        float, typer.Option(help="Duration multiplier at launch, easing to 1.")
    ] = 3.0,
    decline_token: Annotated[
        list[str] | None,
        typer.Option(help="A payment_token in the body that is answered 402; repeatable."),
    ] = None,
    unavailable_token: Annotated[
        list[str] | None,
        typer.Option(help="A payment_token in the body that is answered 503; repeatable."),
    ] = None,
    respond: Annotated[
        list[str] | None,
        typer.Option(
            help="'METHOD /path=FILE.json': answer that call with the file's JSON "
            "(same latency, cap and faults); repeatable."
        ),
    ] = None,
) -> None:
    """A vendor SaaS with a hard connection cap.

    GET /stats and POST /control drive the simulator; any other request is the vendor API.
    """
    try:
        config = VendorConfig(
            host=host,
            port=port,
            cap=cap,
            shared_clients=shared_clients,
            duration=DurationSpec.parse(duration, min_duration, max_duration),
            time_scale=time_scale,
            seed=seed,
            error_rate=error_rate,
            timeout_rate=timeout_rate,
            timeout_hold=timeout_hold,
            retry_after=retry_after,
            storms=_windows(storm or []),
            down=down,
            down_for=down_for,
            slow_start=slow_start,
            slow_start_factor=slow_start_factor,
            decline_tokens=frozenset(decline_token or []),
            unavailable_tokens=frozenset(unavailable_token or []),
            fixtures=fixtures.load(respond or []),
        )
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e

    def ready(server: VendorServer) -> None:
        typer.echo(json.dumps({"url": server.url, "cap": cap, "duration": str(config.duration)}))

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(config, ready))
