"""``orderloom bench ...``: benchmarks that print one JSON line each."""

from __future__ import annotations

import json

import typer

from orderloom.settings import OrderloomSettings

app = typer.Typer(no_args_is_help=True, help="Benchmarks; each prints one JSON line.")


@app.command()
def kafka(
    records: int = typer.Option(50_000, help="Envelopes per phase."),
    size: int = typer.Option(1024, help="Encoded envelope size in bytes."),
) -> None:
    """Produce, consume and transactional read-process-write rates of 1 KiB Avro envelopes."""
    from bench.kafka import run_kafka_bench

    typer.echo(json.dumps(run_kafka_bench(OrderloomSettings(), records=records, size=size)))


@app.command()
def engine(
    executions: int = typer.Option(5000, help="Executions in the backlog phase."),
    rate: int = typer.Option(200, help="Starts per second in the latency phase."),
) -> None:
    """Pure-core and Kafka-runner state transitions/s, executions/s, p50/p99 latency."""
    from bench.engine import run_engine_bench

    typer.echo(json.dumps(run_engine_bench(OrderloomSettings(), executions=executions, rate=rate)))


@app.command()
def gateway(
    requests: int = typer.Option(10_000, help="Requests in the mixed batch."),
    sync_ratio: float = typer.Option(0.1, help="Share of sync requests (arriving during the run)."),
    cap: int = typer.Option(25, help="The vendor's connection cap."),
    dist: str = typer.Option("uniform:2,300", help="Vendor durations (seconds), as `sim vendor`."),
    time_scale: float = typer.Option(0.0008, help="Real seconds per vendor second."),
    reserve: int = typer.Option(5, help="Slots reserved for sync requests."),
    seed: int = typer.Option(7, help="Seed of the workload and the vendor's durations."),
) -> None:
    """Vendor gateway vs the queue-plus-batch baseline: utilization, makespan, sync wait."""
    from bench.gateway import run_gateway_bench

    figures = run_gateway_bench(
        OrderloomSettings(),
        requests=requests,
        sync_ratio=sync_ratio,
        cap=cap,
        dist=dist,
        time_scale=time_scale,
        reserve=reserve,
        seed=seed,
    )
    typer.echo(json.dumps(figures))


@app.command()
def console(
    executions: int = typer.Option(1_000_000, help="Executions in the scratch read model."),
    requests: int = typer.Option(500, help="Timed requests per figure."),
) -> None:
    """Console API p50/p99: filtered list page of 50, and an execution with 200 events."""
    from bench.console import run_console_bench

    figures = run_console_bench(OrderloomSettings(), executions=executions, requests=requests)
    typer.echo(json.dumps(figures))


@app.command()
def orders(
    orders: int = typer.Option(17_000, help="Orders in the backlog sent at once."),
    pipeline_orders: int = typer.Option(3_000, help="Orders for the pipeline figures."),
    skip_backlog: bool = typer.Option(False, help="Only the intake and pipeline figures."),
    time_scale: float = typer.Option(
        0.01,
        help="The vendors' realistic latencies times this, for the backlog (0.01: the ERP's "
        "median 8 s is 80 ms).",
    ),
) -> None:
    """Intake webhooks/s, pipeline orders/s and latency, and the backlog's makespan vs ideal."""
    from bench.orders import run_orders_bench

    figures = run_orders_bench(
        OrderloomSettings(),
        orders=orders,
        pipeline_orders=pipeline_orders,
        skip_backlog=skip_backlog,
        time_scale=time_scale,
    )
    typer.echo(json.dumps(figures))


@app.command("bad-input")
def bad_input(
    fuzz: int = typer.Option(5_000, help="Generated deliveries after the named cases."),
    seed: int = typer.Option(13, help="Seed of the generated deliveries."),
) -> None:
    """Odd and hostile deliveries against the running system: each answer, what it became,
    dead letters, restarts and health afterwards."""
    from bench.bad_input import run_bad_input_bench

    typer.echo(json.dumps(run_bad_input_bench(OrderloomSettings(), fuzz=fuzz, seed=seed)))
