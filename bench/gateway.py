"""``orderloom bench gateway``: the gateway against the queue-plus-batch design it replaces.

Both runs meet the same simulated vendor (a process of its own, same cap, same
seeded durations) with the same workload: the async batch queued at once, the sync
requests arriving at a steady pace while it runs. The gateway run goes through
Kafka and PostgreSQL on fresh topics and a fresh schema; the baseline is the old
design in miniature, 5 workers each sending a batch of 5 and waiting for its slowest.
Figures come from the simulator's counters; makespan is first start to last end
at the vendor.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
from confluent_kafka.admin import AdminClient, NewTopic

from bench.gateway_load import Answers, publish, vendor_request
from bench.kafka import machine
from orderloom.events.codec import codec_for
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.topics import DLQ_SUFFIX
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec
from vendor_gateway.config import GatewayConfig
from vendor_gateway.running import GatewayThread

BATCH_SIZE, WORKERS = 5, 5
PATH = "/sales-orders"


def run_gateway_bench(
    settings: OrderloomSettings,
    *,
    requests: int,
    sync_ratio: float,
    cap: int,
    dist: str,
    time_scale: float,
    reserve: int,
    seed: int = 7,
) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(seed)
    sync = [rng.random() < sync_ratio for _ in range(requests)]
    spec = DurationSpec.parse(dist)
    draws = random.Random(seed)
    work = sum(spec.sample(draws) for _ in range(requests)) * time_scale
    # Sync requests arrive evenly over the first 80% of the ideal makespan.
    gap = 0.8 * work / cap / max(1, sum(sync))
    vendor_args = ["--cap", str(cap), "--duration", dist, "--time-scale", str(time_scale)]
    vendor_args += ["--seed", str(seed), "--retry-after", "0.01"]
    with _vendor(vendor_args) as url:
        ours = _through_gateway(settings, url, cap, reserve, sync, gap)
    with _vendor(vendor_args) as url:
        baseline = asyncio.run(_baseline(url, sync, gap))
    return {
        "bench": "gateway",
        "requests": requests,
        "sync_requests": sum(sync),
        "cap": cap,
        "reserved_sync_slots": reserve,
        "dist": dist,
        "time_scale": time_scale,
        "gateway": ours,
        "baseline": baseline,
        "makespan_ratio": round(baseline["makespan_s"] / ours["makespan_s"], 2),
        "machine": machine(),
    }


def _through_gateway(
    settings: OrderloomSettings, url: str, cap: int, reserve: int, sync: list[bool], gap: float
) -> dict[str, Any]:
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}bench-{uuid.uuid4().hex[:8]}."}
    )
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    dsn = f"{settings.postgres.dsn}?options=-csearch_path%3D{schema}"
    scoped = settings.model_copy(
        update={"kafka": kafka, "postgres": settings.postgres.model_copy(update={"dsn": dsn})}
    )
    codec = codec_for(kafka.schema_registry_url)
    requests, responses = (
        topic_name(kafka, "vendor.requests"),
        topic_name(kafka, "vendor.responses"),
    )
    replies = topic_name(kafka, "replies")
    names = [requests, requests + DLQ_SUFFIX, responses, replies]
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    for future in admin.create_topics([NewTopic(n, 4, 1) for n in names]).values():
        future.result()
    with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    config = GatewayConfig.model_validate(
        {
            "group_id": f"bench-{uuid.uuid4().hex[:8]}",
            "status_host": "127.0.0.1",
            "status_port": 0,
            "vendors": {
                "erp": {
                    "base_url": url,
                    "cap": cap,
                    "reserved_sync_slots": reserve,
                    "operations": {"create_sales_order": {"method": "POST", "path": PATH}},
                }
            },
        }
    )
    answers = Answers(kafka, codec, [replies, responses])
    try:
        ids = [f"b{i}" for i in range(len(sync))]
        publish(
            kafka,
            codec,
            requests,
            [
                vendor_request(r, sync=False, reply_topic=replies)
                for r, s in zip(ids, sync, strict=True)
                if not s
            ],
        )
        sent: dict[str, float] = {}
        producer = EventProducer(kafka, codec)
        with GatewayThread(scoped, config):
            for r in (r for r, s in zip(ids, sync, strict=True) if s):
                producer.publish(requests, vendor_request(r, sync=True, reply_topic=replies))
                producer.flush()
                sent[r] = time.monotonic()
                time.sleep(gap)
            if not answers.wait_for(len(ids), timeout_s=1800):
                raise RuntimeError(f"only {answers.count()} of {len(ids)} requests answered")
            stats = _stats(url)
        waits = [answers.first_at[r] - t - answers.duration(r) for r, t in sent.items()]
        longest = max(answers.duration(r) for r in ids)
    finally:
        answers.close()
        for future in admin.delete_topics(names).values():
            future.result()
        with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return _figures(stats, cap, waits, longest)


async def _baseline(url: str, sync: list[bool], gap: float) -> dict[str, Any]:
    """The old design: one FIFO queue, 5 workers, each sends 5 and waits for all 5."""
    queue: asyncio.Queue[tuple[str, bool, float]] = asyncio.Queue()
    for i, s in enumerate(sync):
        if not s:
            queue.put_nowait((f"b{i}", False, time.monotonic()))
    waits: list[float] = []
    longest = 0.0
    limits = httpx.Limits(max_connections=BATCH_SIZE * WORKERS)

    async def arrive() -> None:
        for i in (i for i, s in enumerate(sync) if s):
            queue.put_nowait((f"b{i}", True, time.monotonic()))
            await asyncio.sleep(gap)

    async def call(http: httpx.AsyncClient, item: tuple[str, bool, float]) -> None:
        nonlocal longest
        request_id, is_sync, arrived = item
        if is_sync:
            waits.append(time.monotonic() - arrived)
        headers = {"Idempotency-Key": request_id}
        while (
            response := await http.post(PATH, headers=headers, content=b"{}")
        ).status_code == 429:
            await asyncio.sleep(0.01)
        longest = max(longest, response.json()["duration"])

    async def worker(http: httpx.AsyncClient) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < BATCH_SIZE and not queue.empty():
                batch.append(queue.get_nowait())
            await asyncio.gather(*(call(http, item) for item in batch))
            for _ in batch:
                queue.task_done()

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=600) as http:
        arrivals = asyncio.create_task(arrive())
        workers = [asyncio.create_task(worker(http)) for _ in range(WORKERS)]
        await arrivals
        await queue.join()
        for task in workers:
            task.cancel()
        stats = (await http.get("/stats")).json()
    return _figures(stats, BATCH_SIZE * WORKERS, waits, longest)


def _figures(stats: dict[str, Any], cap: int, waits: list[float], longest: float) -> dict[str, Any]:
    makespan = stats["last_end"] - stats["first_start"]
    work = stats["busy_seconds"]
    waits.sort()
    return {
        "utilization": round(work / (cap * makespan), 3),
        "makespan_s": round(makespan, 2),
        "ideal_makespan_s": round(max(work / cap, longest), 2),
        "max_concurrency": stats["max_concurrency"],
        "violations": stats["violations"],
        "duplicates": stats["duplicates"],
        "sync_wait_p50_ms": round(_quantile(waits, 0.5) * 1000, 1),
        "sync_wait_p99_ms": round(_quantile(waits, 0.99) * 1000, 1),
    }


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def _stats(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/stats", timeout=10).json())


@contextmanager
def _vendor(args: list[str]) -> Iterator[str]:
    """The simulator as its own process (its CPU is not the gateway's); yields its URL."""
    command = [sys.executable, "-m", "orderloom", "sim", "vendor", "--port", "0", *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield str(json.loads(proc.stdout.readline())["url"])
    finally:
        proc.terminate()
        proc.wait(10)
