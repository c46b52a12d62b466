"""Sending webhooks to an intake at a steady rate or all at once, and counting answers.

``rate=None`` is a burst (the holiday backlog): every webhook is queued at once and
``concurrency`` keep-alive connections take them as fast as the intake answers. With a rate, webhook
``n`` is due at ``n / rate`` seconds after the start, whatever the answers' pace.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import h11

from sim.storefront.client import Connection
from sim.storefront.followups import Followups
from sim.storefront.orders import Kind, OrderFactory, Webhook


@dataclass
class SendReport:
    """What happened to the webhooks sent; statuses as numbers, ``0`` = no answer."""

    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_kind: dict[str, Counter[int]] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def record(self, webhook: Webhook, status: int) -> None:
        self.sent += 1
        if 200 <= status < 300:
            self.accepted += 1
        else:
            self.rejected += 1
        self.by_status[status] += 1
        self.by_kind.setdefault(webhook.kind.value, Counter())[status] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_kind": {
                kind: {str(k): v for k, v in sorted(c.items())}
                for kind, c in sorted(self.by_kind.items())
            },
            "elapsed_s": round(self.elapsed_s, 3),
            "accepted_per_s": round(self.accepted / self.elapsed_s, 1) if self.elapsed_s else 0.0,
        }


async def send_webhooks(
    url: str,
    webhooks: list[Webhook],
    *,
    rate: float | None = None,
    concurrency: int = 64,
    timeout_s: float = 30.0,
) -> SendReport:
    """POST each webhook to ``url`` over ``concurrency`` keep-alive connections; a
    transport failure counts as status 0."""
    report = SendReport()
    queue: asyncio.Queue[Webhook | None] = asyncio.Queue()
    start = time.monotonic()

    async def feed() -> None:
        for n, webhook in enumerate(webhooks):
            if rate is not None:
                await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            queue.put_nowait(webhook)
        for _ in range(concurrency):
            queue.put_nowait(None)

    async def worker() -> None:
        connection = Connection(url, timeout_s)
        try:
            while (webhook := await queue.get()) is not None:
                try:
                    status = await connection.post(webhook.body, webhook.headers)
                except (OSError, TimeoutError, h11.ProtocolError):
                    status = 0
                report.record(webhook, status)
        finally:
            connection.close()

    await asyncio.gather(feed(), *(worker() for _ in range(concurrency)))
    report.elapsed_s = time.monotonic() - start
    return report


def build(
    factory: OrderFactory, count: int, first: int = 0, followups: Followups | None = None
) -> list[Webhook]:
    """Orders ``first`` .. ``first + count - 1`` of the factory's run, each followed by its
    ``orders/paid`` if it was pending and, where ``followups`` says, by its cancellation or
    refunds a few webhooks later."""
    timed: list[tuple[float, int, Webhook]] = []
    for n in range(first, first + count):
        order = factory.webhook(n)
        timed.append((float(n), len(timed), order))
        for delay, webhook in (followups or Followups()).of(factory, n, order):
            timed.append((n + delay, len(timed), webhook))
    return [webhook for _, _, webhook in sorted(timed, key=lambda t: t[:2])]


def kinds(webhooks: list[Webhook]) -> Counter[Kind]:
    return Counter(w.kind for w in webhooks)
