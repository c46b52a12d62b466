"""A mixed batch at cap 25: never more than 25 at the vendor, every request answered once."""

from __future__ import annotations

import random

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from tests.integration.gateway.conftest import Topics, gateway_config
from vendor_gateway.running import GatewayThread

REQUESTS = 5000


def test_5000_mixed_requests_keep_the_cap_and_are_each_answered_once(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    rng = random.Random(5)
    envelopes = [
        vendor_request(f"r{i}", sync=rng.random() < 0.2, reply_topic=topics.replies)
        for i in range(REQUESTS)
    ]
    publish(gw_settings.kafka, codec, topics.requests, envelopes)
    vendor = VendorConfig(
        cap=25, duration=DurationSpec.parse("uniform:2,300"), time_scale=0.0004, seed=5
    )

    with VendorThread(vendor) as sim, GatewayThread(gw_settings, gateway_config(sim.url, cap=25)):
        assert answers.wait_for(REQUESTS, timeout_s=150)
        stats = sim.stats()

    assert stats["max_concurrency"] <= 25
    assert stats["violations"] == 0
    assert stats["duplicates"] == 0
    assert stats["completed"] == REQUESTS
    assert set(answers.first) == {f"r{i}" for i in range(REQUESTS)}
    assert max(answers.arrivals.values()) == 1
    assert all(e.type == "orderloom.workflow.TaskSucceeded" for e in answers.first.values())
