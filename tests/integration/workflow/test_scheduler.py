"""The scheduler on the real broker: one start per slot, the same id when a slot fires twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from orderloom.events.codec import EventCodec
from orderloom.settings import OrderloomSettings
from orderloom.workflow import scheduler
from orderloom.workflow.schedules import Schedule
from tests.integration.conftest import TopicMaker
from tests.integration.workflow.support import envelopes_of

FLOW = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_each_slot_starts_once_and_a_restart_repeats_only_the_same_id(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker
) -> None:
    make_topic("workflow.inputs", partitions=3)
    every_hour = Schedule("sync", "InventorySync", FLOW, {"full": False}, every_s=3600)
    now = [datetime(2026, 11, 23, 9, 30, tzinfo=UTC)]
    stop = threading.Event()

    def clock() -> datetime:
        now[0] += timedelta(minutes=5)
        if now[0] > datetime(2026, 11, 23, 12, 5, tzinfo=UTC):
            stop.set()
        return now[0]

    first = scheduler.run(settings, [every_hour], stop, clock, tick_s=0.01)
    stop.clear()
    now[0] = datetime(2026, 11, 23, 11, 10, tzinfo=UTC)
    again = scheduler.run(settings, [every_hour], stop, clock, tick_s=0.01)

    ids = [e.data["execution_id"] for e in envelopes_of(settings, codec, "workflow.inputs")]
    assert first == 4 and again == 2
    assert sorted(ids) == [
        "sync-20261123T090000Z",
        "sync-20261123T100000Z",
        "sync-20261123T110000Z",
        "sync-20261123T110000Z",
        "sync-20261123T120000Z",
        "sync-20261123T120000Z",
    ]
