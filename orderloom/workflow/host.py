"""Wiring of the workflow runner: one function builds it, nothing connects at import time."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from orderloom.events.codec import codec_for
from orderloom.health import serving
from orderloom.kafka.config import topic_name
from orderloom.kafka.processor import TransactionalProcessor
from orderloom.settings import OrderloomSettings
from orderloom.workflow.handlers import Handler
from orderloom.workflow.limits import DEFAULT_LIMITS, Limits
from orderloom.workflow.runner import Topics, WorkflowRunner

GROUP = "workflow-runner"
MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024


def build(
    settings: OrderloomSettings,
    handlers: Mapping[str, Handler],
    *,
    instance: str = "0",
    batch_size: int = 500,
    commit_interval_s: float = 0.1,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[TransactionalProcessor, WorkflowRunner]:
    """The processor (consume + transact) around a runner (advance the executions);
    `limits` bound what one execution may build (Map sizes)."""
    kafka = settings.kafka
    codec = codec_for(kafka.schema_registry_url)
    topics = Topics(lambda name: topic_name(kafka, name))
    runner = WorkflowRunner(kafka, codec, topics, dict(handlers), limits=limits)
    processor = TransactionalProcessor(
        kafka,
        group_id=topic_name(kafka, GROUP),
        topics=[topics.inputs],
        transactional_id=topic_name(kafka, f"{GROUP}-{instance}"),
        codec=codec,
        handler=runner,
        batch_size=batch_size,
        commit_interval_s=commit_interval_s,
        producer_overrides={"message.max.bytes": MAX_SNAPSHOT_BYTES},
        # Static membership: a restarted replica takes its partitions back at once.
        consumer_overrides={
            "group.instance.id": topic_name(kafka, f"{GROUP}-{instance}"),
            "session.timeout.ms": 10_000,
            "heartbeat.interval.ms": 2_000,
        },
    )
    return processor, runner


def serve(
    settings: OrderloomSettings,
    handlers: Mapping[str, Handler],
    stop: threading.Event,
    *,
    instance: str = "0",
) -> None:
    """Run until ``stop`` is set (SIGTERM sets it; the open transaction finishes first),
    with ``/healthz`` and ``/readyz`` if ``settings.health`` has a port."""
    processor, _ = build(settings, handlers, instance=instance)
    with serving(settings.health, processor.progress):
        processor.run(stop)
