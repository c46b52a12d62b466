"""The transactional processor killed for real: SIGKILL at random moments, then SIGTERM.

Whatever the moment of death, the sink ends with each source record exactly once.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from orderloom.events.codec import EventCodec
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.reader import read_envelopes
from orderloom.settings import OrderloomSettings
from tests.integration.conftest import TopicMaker
from tests.integration.test_envelope_broker import ping

RECORDS = 3000


def _start(source: str, sink: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.programs.copy_topic",
            source,
            sink,
            f"{source}-g",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_sigkill_at_random_moments_then_sigterm_loses_and_doubles_nothing(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    source, sink = make_topic("src", partitions=3), make_topic("sink", partitions=3)
    producer = EventProducer(settings.kafka, codec)
    for i in range(RECORDS):
        producer.publish(source, ping(i, key=f"order-{i % 101}"))
    producer.flush()
    rng = random.Random(7)

    for _ in range(4):
        proc = _start(source, sink)
        time.sleep(rng.uniform(0.5, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL

    proc = _start(source, sink)
    copied = read_envelopes(settings.kafka, codec, sink, count=RECORDS, timeout_s=120)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)

    assert proc.returncode == 0 and "stopped after" in out
    assert sorted(r.envelope.data["sequence"] for r in copied) == list(range(RECORDS))
    again = read_envelopes(settings.kafka, codec, sink, count=RECORDS + 1, timeout_s=5)
    assert len(again) == RECORDS
