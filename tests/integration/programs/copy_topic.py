"""Copies every envelope from one topic to another with the transactional processor.

Usage: python -m tests.integration.programs.copy_topic SOURCE SINK GROUP
It runs until SIGTERM (then finishes its open transaction and exits 0) or SIGKILL.
"""

from __future__ import annotations

import sys
import threading

from orderloom.events.codec import codec_for
from orderloom.kafka.processor import TransactionalProcessor, stop_on_sigterm
from orderloom.kafka.records import Outgoing, Received
from orderloom.settings import OrderloomSettings


def main(source: str, sink: str, group: str) -> None:
    settings = OrderloomSettings()
    codec = codec_for(settings.kafka.schema_registry_url)

    def copy(batch: list[Received]) -> list[Outgoing]:
        return [Outgoing.event(codec, sink, r.envelope) for r in batch]

    stop = threading.Event()
    stop_on_sigterm(stop)
    processor = TransactionalProcessor(
        settings.kafka,
        group_id=group,
        topics=[source],
        transactional_id=f"{group}-tx",
        codec=codec,
        handler=copy,
        batch_size=50,
        # A killed member is noticed in seconds, not the default 45 s.
        consumer_overrides={"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000},
    )
    print("ready", flush=True)
    processor.run(stop)
    print(f"stopped after {processor.committed_batches} transactions", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
