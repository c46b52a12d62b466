"""1,000 executions while the runner is SIGKILLed at random moments and restarted.

Every execution must finish exactly once: no lost step, no duplicated command, no
duplicated history event.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

from confluent_kafka.admin import AdminClient

from orderloom.events.codec import EventCodec
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.workflow.support import (
    envelopes_of,
    finished,
    read_histories,
    start_all,
    stock_service,
    types,
    workflow_topics,
)

EXECUTIONS = 1000


def _runner(settings: OrderloomSettings) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ORDERLOOM_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.programs.run_workflows"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_sigkill_at_random_moments_loses_and_doubles_nothing(
    settings: OrderloomSettings, codec: EventCodec, admin: AdminClient, make_topic: TopicMaker
) -> None:
    rng = random.Random(11)
    with workflow_topics(settings, admin, make_topic), stock_service(settings, codec) as answered:
        start_all(settings, codec, {f"e{i}": {"quantity": 1 + i % 7} for i in range(EXECUTIONS)})
        for _ in range(3):
            proc = _runner(settings)
            time.sleep(rng.uniform(2.0, 6.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        proc = _runner(settings)
        histories = read_histories(settings, codec, finished(EXECUTIONS), timeout_s=240)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0

    assert len(histories) == EXECUTIONS
    for execution_id, history in histories.items():
        ids = [e["event_id"] for e in history]
        assert ids == list(range(1, len(ids) + 1)), f"{execution_id}: history ids {ids}"
        assert types(history).count("ExecutionSucceeded") == 1, execution_id
        assert types(history)[-1] == "ExecutionSucceeded", execution_id
    commands = Counter(
        e.data["task_token"] for e in envelopes_of(settings, codec, "stock.commands")
    )
    assert len(commands) == EXECUTIONS
    assert max(commands.values()) == 1
    assert len(set(answered)) == EXECUTIONS
