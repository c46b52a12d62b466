"""A sync request behind 5,000 queued async ones waits no more than a slot turnover longer.

"Slot turnover" is the longest a request holds a slot (the vendor's longest
duration); the bound is generous on purpose: the test rules out waiting in line. With
reserved slots lent to async (the default) the batch fills every slot and a sync request
takes the next one that frees; with a strict reserve async never holds the reserved slots.
"""

from __future__ import annotations

import time

import httpx
import pytest

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.kafka.producer import EventProducer
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from tests.integration.gateway.conftest import Topics, gateway_config
from vendor_gateway.running import GatewayThread

ASYNC, PROBES, TIME_SCALE, LONGEST = 5000, 8, 0.002, 300


def _sync_latencies(
    producer: EventProducer, topics: Topics, answers: Answers, tag: str
) -> list[float]:
    """Seconds from publish to answer, minus the vendor's own time, of sync requests in turn."""
    latencies = []
    for i in range(PROBES):
        request_id = f"{tag}{i}"
        producer.publish(
            topics.requests, vendor_request(request_id, sync=True, reply_topic=topics.replies)
        )
        producer.flush()
        sent = time.monotonic()
        assert answers.wait_for({request_id}, timeout_s=30)
        latencies.append(answers.first_at[request_id] - sent - answers.duration(request_id))
    return latencies


@pytest.mark.parametrize("lend", [True, False], ids=["lent-reserve", "strict-reserve"])
def test_sync_requests_overtake_a_queued_batch(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers, lend: bool
) -> None:
    vendor = VendorConfig(
        cap=25, duration=DurationSpec.parse("uniform:2,300"), time_scale=TIME_SCALE, seed=3
    )
    producer = EventProducer(gw_settings.kafka, codec)
    with (
        VendorThread(vendor) as sim,
        GatewayThread(gw_settings, gateway_config(sim.url, lend_reserved_slots=lend)) as gw,
    ):
        status = f"http://127.0.0.1:{gw.gateway.status.port}"
        idle = _sync_latencies(producer, topics, answers, "idle")

        publish(
            gw_settings.kafka,
            codec,
            topics.requests,
            [vendor_request(f"a{i}", sync=False, reply_topic=topics.replies) for i in range(ASYNC)],
        )
        deadline = time.monotonic() + 30
        while httpx.get(f"{status}/pools").json()["erp"]["async"]["queued"] < ASYNC - 500:
            assert time.monotonic() < deadline, "the batch never queued up"
            time.sleep(0.05)
        loaded = _sync_latencies(producer, topics, answers, "busy")
        pools = httpx.get(f"{status}/pools").json()["erp"]
        last = httpx.get(f"{status}/pools/erp/requests/a{ASYNC - 1}").json()
        metrics = httpx.get(f"{status}/metrics").text

    turnover = LONGEST * TIME_SCALE
    assert max(loaded) <= max(idle) + turnover, (idle, loaded)
    assert pools["async"]["queued"] > 1000
    assert pools["async"]["in_use"] + pools["sync"]["in_use"] <= 25
    assert lend or pools["async"]["in_use"] <= 25 - 5
    assert pools["cap"] == 25 and pools["circuit"] == "closed" and pools["backing_off"] == 0
    assert last["lane"] == "async" and last["state"] == "queued" and last["position"] > 0
    assert 'orderloom_gateway_queued{lane="async",vendor="erp"}' in metrics
