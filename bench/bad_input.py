"""``orderloom bench bad-input``: odd and hostile deliveries against the running system.

It starts the system as ``orderloom run`` does, sends the named cases of
``sim.storefront.hostile`` one after another and then ``fuzz`` generated ones, waits until
each accepted delivery is an execution the console's API shows and the named ones have
settled, and checks that no service was restarted and that each still answers its health
check. One JSON line: each named case's answer and what it became, the fuzzed ones counted
by answer and by what they became, the dead letters by topic, the restarts.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from confluent_kafka import Consumer, TopicPartition

from orderloom.kafka.topics import DLQ_SUFFIX, topic_specs
from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Ports, Vendors
from orderloom.system.main import run_system
from sim.storefront.hostile import Delivery, Expect, Hostile
from sim.storefront.orders import SHOP_DOMAIN, OrderFactory

SETTLED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class Answer:
    """The intake's answer to one delivery: its status (0: none) and the order it names."""

    delivery: Delivery
    status: int
    order_id: str | None
    detail: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def as_expected(self) -> bool:
        if self.delivery.expect is Expect.ACCEPT:
            return self.accepted
        if self.delivery.expect is Expect.REFUSE:
            return 400 <= self.status < 500
        return self.accepted or 400 <= self.status < 500


def run_bad_input_bench(
    settings: OrderloomSettings, *, fuzz: int, seed: int, settle_s: float = 180.0
) -> dict[str, Any]:
    """Start the system, send the named cases and ``fuzz`` generated deliveries, report."""
    figures: dict[str, Any] = {}

    def probe(_: dict[str, Any]) -> None:
        figures.update(_probe(settings, Ports(), fuzz=fuzz, seed=seed, settle_s=settle_s))

    summary = run_system(
        settings,
        orders=0,
        rate=0,
        bad_share=0.0,
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
        then=probe,
        say=lambda _: None,
    )
    figures["restarts"] = summary["restarts"]
    return figures


def _probe(
    settings: OrderloomSettings, ports: Ports, *, fuzz: int, seed: int, settle_s: float
) -> dict[str, Any]:
    run_dir = settings.stack.home / "run"
    secret = (run_dir / "webhook-secret").read_text().strip()
    first = int(time.time() * 1000) * 1000
    hostile = Hostile(OrderFactory(secret, seed=seed), secret, SHOP_DOMAIN, first)
    rng = random.Random(seed)
    url = f"http://127.0.0.1:{ports.order_api}/webhooks/orders"
    console = _Console(f"http://127.0.0.1:{ports.console}", _token(), datetime.now(UTC))
    started = time.monotonic()
    named = asyncio.run(_send(url, hostile.named(rng), concurrency=1))
    fuzzed = asyncio.run(_send(url, list(hostile.fuzzed(rng, fuzz)), concurrency=16))
    sent_s = time.monotonic() - started
    accepted = {a.order_id for a in [*named, *fuzzed] if a.accepted and a.order_id}
    console.wait(accepted, settle_s)
    shown = accepted & console.runs.keys()
    return {
        "named": [_named(a, console) for a in named],
        "fuzz": {
            "sent": len(fuzzed),
            "seconds": round(sent_s, 1),
            "by_status": _count(str(a.status) for a in fuzzed),
            "unexpected": [_brief(a) for a in fuzzed if not a.as_expected][:20],
            "accepted": sum(a.accepted for a in fuzzed),
            "became": _count(
                outcome(run) for a in fuzzed if a.accepted for run in console.of(a.order_id)
            ),
        },
        "accepted": len(accepted),
        "shown_by_console": len(shown),
        "missing_from_console": sorted(accepted - shown)[:20],
        "dead_letters": _dead_letters(settings),
        "health": _health(ports),
    }


async def _send(url: str, deliveries: list[Delivery], *, concurrency: int) -> list[Answer]:
    """POST each delivery (``concurrency`` at a time) and keep the intake's answer."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60.0) as client:

        async def one(delivery: Delivery) -> Answer:
            async with gate:
                try:
                    response = await client.post(
                        url, content=delivery.body, headers=delivery.headers
                    )
                except httpx.HTTPError as e:
                    return Answer(delivery, 0, None, f"no answer: {e!r}")
            try:
                body = response.json()
            except ValueError:
                body = {}
            detail = str(body.get("detail") or body.get("status") or "")
            return Answer(delivery, response.status_code, body.get("order_id"), detail)

        return list(await asyncio.gather(*(one(d) for d in deliveries)))


class _Console:
    """The console's API, as an operator's program reads it: the executions started since
    the probe began, grouped by order."""

    def __init__(self, url: str, token: str, since: datetime) -> None:
        self._client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
        )
        self._since = since.isoformat()
        self.runs: dict[str, list[dict[str, Any]]] = {}

    def of(self, order_id: str | None) -> list[dict[str, Any]]:
        """The executions of an order, as last read."""
        return self.runs.get(order_id or "", [])

    def read(self) -> None:
        """Every execution started since the probe began, page by page."""
        runs: dict[str, list[dict[str, Any]]] = {}
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"since": self._since, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            answer = self._client.get("/api/executions", params=params)
            answer.raise_for_status()
            page = answer.json()
            for run in page["executions"]:
                runs.setdefault(run["correlation_id"], []).append(run)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.runs = runs

    def cause(self, run: dict[str, Any]) -> str:
        """What the console says caused an execution's failure."""
        answer = self._client.get(f"/api/executions/{run['execution_id']}")
        answer.raise_for_status()
        return str(answer.json().get("cause") or "")[:200]

    def wait(self, order_ids: set[str], timeout_s: float) -> None:
        """Until each order has an execution and none is still under way (but for those
        waiting for the storefront's payment), or ``timeout_s`` passed."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.read()
            shown = order_ids <= self.runs.keys()
            busy = any(not _settled(r) for runs in self.runs.values() for r in runs)
            if (shown and not busy) or time.monotonic() > deadline:
                return
            time.sleep(1.0)


def _settled(run: dict[str, Any]) -> bool:
    return run["status"] in SETTLED or run.get("current_state") == "AwaitPayment"


def outcome(run: dict[str, Any]) -> str:
    """What an execution became, in a few words: its workflow, status, error or end state."""
    end = run.get("error") or run.get("current_state") or ""
    return f"{run['workflow']} {run['status']} {end}".strip()


def _named(answer: Answer, console: _Console) -> dict[str, Any]:
    return {
        "case": answer.delivery.case,
        "expected": answer.delivery.expect.value,
        "status": answer.status,
        "as_expected": answer.as_expected,
        "detail": answer.detail[:160],
        "became": [
            f"{outcome(r)}: {console.cause(r)}" if r["error"] else outcome(r)
            for r in console.of(answer.order_id)
        ],
    }


def _brief(answer: Answer) -> dict[str, Any]:
    return {"case": answer.delivery.case, "status": answer.status, "detail": answer.detail[:160]}


def _count(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _token() -> str:
    """A viewer's API token, made as an operator makes one."""
    done = subprocess.run(
        [sys.executable, "-m", "orderloom", "tokens", "create", "bench-bad-input", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    secret: str = json.loads(done.stdout)["secret"]
    return secret


def _dead_letters(settings: OrderloomSettings) -> dict[str, int]:
    """Records on each dead-letter topic of the system's prefix (offsets end minus start)."""
    consumer = Consumer(
        {"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": "bench-bad-input"}
    )
    counts: dict[str, int] = {}
    try:
        for spec in topic_specs(settings.kafka):
            if not spec.name.endswith(DLQ_SUFFIX):
                continue
            total = 0
            for partition in range(spec.partitions):
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(spec.name, partition), timeout=10
                )
                total += high - low
            counts[spec.name.removeprefix(settings.kafka.topic_prefix)] = total
    finally:
        consumer.close()
    return counts


def _health(ports: Ports) -> dict[str, int]:
    """Each long-running service's ``/healthz`` status (0: no answer)."""
    urls = {
        "order-api": ports.order_api,
        "console": ports.console,
        "gateway": ports.gateway_status,
        "inventory": ports.inventory_health,
        "billing": ports.billing_health,
        "runner": ports.runner_health,
        "projector": ports.projector_health,
        "scheduler": ports.scheduler_health,
        "order-event-log": ports.event_log_health,
    }
    found: dict[str, int] = {}
    for name, port in urls.items():
        try:
            found[name] = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5.0).status_code
        except httpx.HTTPError:
            found[name] = 0
    return found
