"""Intake throughput: the order intake under uvicorn, fed by the storefront simulator.

The intake runs in its own process (as deployed), on loopback, against the configured
Kafka with topics of its own (a fresh prefix, deleted afterwards); the simulator fires
all the webhooks at once over ``concurrency`` connections. The figure is webhooks
accepted per second, each one answered only after its two records were acknowledged.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import uvloop
from confluent_kafka.admin import AdminClient

from orderloom.kafka.topics import apply, topic_specs
from orderloom.settings import OrderloomSettings
from sim.storefront.orders import OrderFactory
from sim.storefront.sender import build, send_webhooks

TOPICS = ("order.events", "workflow.inputs")
WARMUP = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(url: str, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the intake exited at startup")
        try:
            if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the intake did not become ready")


def run_intake_bench(
    settings: OrderloomSettings, *, orders: int = 5000, concurrency: int = 64, seed: int = 1
) -> dict[str, Any]:
    """Accepted webhooks/s for ``orders`` good orders sent at once (after a warm-up)."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    own = settings.kafka.model_copy(update={"topic_prefix": prefix})
    specs = [s for s in topic_specs(own) if s.name.removeprefix(prefix) in TOPICS]
    apply(admin, specs)
    secret = secrets.token_hex(32)
    port = _free_port()
    env = {
        **os.environ,
        "ORDERLOOM_WEBHOOK_SECRET": secret,
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": prefix,
        "ORDERLOOM_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "order_service.api:create_app"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen([*command, *options, "--no-access-log"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server)
        factory = OrderFactory(secret, seed=seed)
        warmup = build(factory, WARMUP, first=orders)
        uvloop.run(send_webhooks(url + "/webhooks/orders", warmup, concurrency=concurrency))
        report = uvloop.run(
            send_webhooks(url + "/webhooks/orders", build(factory, orders), concurrency=concurrency)
        )
    finally:
        server.terminate()
        server.wait(30)
        for future in admin.delete_topics([s.name for s in specs]).values():
            future.result()
    figures = report.as_dict()
    return {
        "bench": "order-intake",
        "orders": orders,
        "concurrency": concurrency,
        "accepted": figures["accepted"],
        "by_status": figures["by_status"],
        "elapsed_s": figures["elapsed_s"],
        "accepted_per_s": figures["accepted_per_s"],
    }
