"""The runner keeps little of a finished execution, and still refuses to run it twice."""

from __future__ import annotations

from orderloom.events.codec import codec_for
from orderloom.kafka.records import Received
from orderloom.settings import KafkaSettings
from orderloom.workflow import wire
from orderloom.workflow.runner import Topics, WorkflowRunner

FLOW = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "local:ask", "End": True}}}


def test_a_succeeded_execution_is_kept_compact_and_a_second_start_does_nothing() -> None:
    runner = WorkflowRunner(
        KafkaSettings(bootstrap_servers="unused:1"),
        codec_for(None),
        Topics(lambda name: name),
        {"local:ask": lambda data: {"big": "x" * 10_000}},
    )
    start = wire.start("e1", "w", FLOW, {"order": "y" * 10_000})

    first = runner.handle([Received(start, "workflow.inputs", 0, 0)])
    runner.committed()
    again = runner.handle([Received(start, "workflow.inputs", 0, 1)])

    assert {r.topic for r in first} == {"workflow.history", "workflow.snapshots"}
    assert again == []
    state = runner._entries["e1"][1].state
    assert (state.status, state.input, state.output) == ("SUCCEEDED", None, None)
