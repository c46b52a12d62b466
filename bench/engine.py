"""``orderloom bench engine``: state transitions per second, pure and through the Kafka runner.

A 10-state definition whose Tasks are ``local:`` handlers. The pure figure drives
``advance`` directly; the runner figures start executions on ``workflow.inputs`` of
fresh topics and time them until their ``ExecutionSucceeded`` is read back from
``workflow.history``, transactions on. Latency is measured from publishing a start to
reading its success, with starts published at a steady rate while the runner runs.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from bench.kafka import machine
from orderloom.events.codec import codec_for
from orderloom.kafka.config import consumer_config, topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.kafka.records import Consumed
from orderloom.settings import OrderloomSettings
from orderloom.workflow import wire
from orderloom.workflow.core import advance
from orderloom.workflow.host import build
from orderloom.workflow.messages import ScheduleTask, StartExecution, TaskSucceeded

STATES = 10
TEN_STATES: dict[str, Any] = {
    "StartAt": "Validate",
    "States": {
        "Validate": {"Type": "Task", "Resource": "local:echo", "ResultPath": "$.v", "Next": "Tag"},
        "Tag": {"Type": "Pass", "Result": "x", "ResultPath": "$.tag", "Next": "Route"},
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 0, "Next": "Reserve"}],
            "Default": "Reserve",
        },
        "Reserve": {"Type": "Task", "Resource": "local:echo", "ResultPath": "$.r", "Next": "Note"},
        "Note": {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n"},
            "ResultPath": "$.note",
            "Next": "Capture",
        },
        "Capture": {"Type": "Task", "Resource": "local:echo", "ResultPath": "$.c", "Next": "Mark"},
        "Mark": {"Type": "Pass", "ResultPath": "$.m", "Next": "Ship"},
        "Ship": {"Type": "Task", "Resource": "local:echo", "ResultPath": "$.s", "Next": "Last"},
        "Last": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
HANDLERS = {"local:echo": lambda data: {"ok": True}}
TOPICS = ("workflow.inputs", "workflow.history", "workflow.snapshots", "vendor.requests")


def pure_transitions_per_s(executions: int) -> float:
    """Transitions per second of ``advance`` alone, local results fed back by hand."""
    started = time.perf_counter()
    transitions = 0
    for i in range(executions):
        result = advance(None, StartExecution(f"e{i}", "bench", TEN_STATES, {"n": i}, 0))
        while True:
            transitions += sum(1 for h in result.history if h.type.endswith("StateEntered"))
            tasks = [c for c in result.commands if isinstance(c, ScheduleTask)]
            if not tasks:
                break
            result = advance(result.state, TaskSucceeded(tasks[0].task_token, {"ok": True}, 0))
    assert transitions == executions * STATES
    return transitions / (time.perf_counter() - started)


def run_engine_bench(settings: OrderloomSettings, *, executions: int, rate: int) -> dict[str, Any]:
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}bench-{uuid.uuid4().hex[:8]}."}
    )
    scoped = settings.model_copy(update={"kafka": kafka})
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    names = [topic_name(kafka, t) for t in TOPICS]
    for future in admin.create_topics([NewTopic(n, 12, 1) for n in names]).values():
        future.result()
    try:
        pure = pure_transitions_per_s(2000)
        backlog_s = _backlog(scoped, executions)
        latencies = _latency(scoped, rate)
    finally:
        for future in admin.delete_topics(names).values():
            future.result()
    latencies.sort()
    return {
        "bench": "engine",
        "states": STATES,
        "executions": executions,
        "pure_transitions_per_s": round(pure),
        "runner_transitions_per_s": round(executions * STATES / backlog_s),
        "runner_executions_per_s": round(executions / backlog_s),
        "latency_rate_per_s": rate,
        "latency_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "machine": machine(),
    }


def _backlog(settings: OrderloomSettings, executions: int) -> float:
    """Seconds for the runner to finish ``executions`` starts already waiting on the topic."""
    _publish(settings, [f"b{i}" for i in range(executions)])
    watcher = _Watcher(settings)
    processor, _ = build(settings, HANDLERS, instance="bench")
    stop = threading.Event()
    thread = threading.Thread(target=processor.run, args=(stop,))
    started = time.perf_counter()
    thread.start()
    watcher.wait_for(executions)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    return elapsed


def _latency(settings: OrderloomSettings, rate: int, seconds: float = 5.0) -> list[float]:
    """Start-to-finish seconds of executions started at ``rate`` per second."""
    watcher = _Watcher(settings, since=f"l{uuid.uuid4().hex[:6]}-")
    processor, _ = build(settings, HANDLERS, instance="bench")
    stop = threading.Event()
    thread = threading.Thread(target=processor.run, args=(stop,))
    thread.start()
    time.sleep(3.0)
    sent: dict[str, float] = {}
    producer = EventProducer(settings.kafka, codec_for(settings.kafka.schema_registry_url))
    inputs = topic_name(settings.kafka, "workflow.inputs")
    for i in range(int(rate * seconds)):
        execution_id = f"{watcher.prefix}{i}"
        sent[execution_id] = time.perf_counter()
        producer.publish(inputs, wire.start(execution_id, "bench", TEN_STATES, {"n": i}))
        producer.flush()
        time.sleep(max(0.0, sent[execution_id] + 1 / rate - time.perf_counter()))
    done = watcher.wait_for(len(sent))
    stop.set()
    thread.join()
    return [done[e] - t for e, t in sent.items()]


class _Watcher:
    """Reads ``workflow.history`` on its own thread, noting when each success arrives."""

    def __init__(self, settings: OrderloomSettings, since: str = "") -> None:
        self.prefix = since
        self._done: dict[str, float] = {}
        self._stop = threading.Event()
        self._consumer = Consumer(consumer_config(settings.kafka, f"watch-{uuid.uuid4()}"))
        self._consumer.subscribe([topic_name(settings.kafka, "workflow.history")])
        self._codec = codec_for(settings.kafka.schema_registry_url)
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for message in self._consumer.consume(1000, 0.05):
                if message.error():
                    continue
                data = Consumed.of(message).decode(self._codec).envelope.data
                succeeded = any(e["event_type"] == "ExecutionSucceeded" for e in data["events"])
                if succeeded and data["execution_id"].startswith(self.prefix):
                    self._done[data["execution_id"]] = time.perf_counter()
        self._consumer.close()

    def wait_for(self, count: int, timeout_s: float = 600) -> dict[str, float]:
        deadline = time.monotonic() + timeout_s
        while len(self._done) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join()
        return dict(self._done)


def _publish(settings: OrderloomSettings, ids: list[str]) -> None:
    producer = EventProducer(settings.kafka, codec_for(settings.kafka.schema_registry_url))
    inputs = topic_name(settings.kafka, "workflow.inputs")
    for i, execution_id in enumerate(ids):
        producer.publish(inputs, wire.start(execution_id, "bench", TEN_STATES, {"n": i}))
    producer.flush()
