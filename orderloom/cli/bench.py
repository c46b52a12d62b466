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
