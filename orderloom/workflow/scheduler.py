"""Starts scheduled executions: each slot's StartExecution published once it is due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from orderloom.events.codec import codec_for
from orderloom.health import Progress
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.schedules import Schedule

log = logging.getLogger(__name__)


def run(
    settings: OrderloomSettings,
    schedules: list[Schedule],
    stop: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    tick_s: float = 1.0,
    progress: Progress | None = None,
) -> int:
    """Fire the latest slot of each schedule now, then each next slot when due; returns
    how many starts were published. ``progress`` settles once each round's due starts are
    written (ready: the broker takes them)."""
    progress = progress or Progress()
    producer = EventProducer(settings.kafka, codec_for(settings.kafka.schema_registry_url))
    inputs = topic_name(settings.kafka, "workflow.inputs")
    now = clock()
    due = {s.name: s.last_slot(now) for s in schedules}
    published = 0
    while not stop.is_set():
        now = clock()
        for schedule in schedules:
            slot = due[schedule.name]
            if slot > now:
                continue
            execution_id = schedule.execution_id(slot)
            producer.publish(
                inputs,
                wire.start(execution_id, schedule.workflow, schedule.definition, schedule.input),
            )
            producer.flush()
            published += 1
            log.info(
                "scheduled execution started",
                extra={"execution_id": execution_id, "schedule": schedule.name},
            )
            due[schedule.name] = schedule.next_slot(slot)
        progress.settled()
        wait = min(due.values(), default=now) - clock()
        stop.wait(max(0.0, min(wait.total_seconds(), tick_s)))
    return published
