"""The vendor misbehaves: 429 storms, 5xx, timeouts, an outage, a cap shared with someone else.

Whatever it does, the gateway never exceeds the cap, answers every request, and says
what went wrong in the ASL error name a workflow's Retry and Catch match on.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.settings import OrderloomSettings
from sim.vendor import DownMode, DurationSpec, VendorConfig, VendorThread, Window
from tests.integration.gateway.conftest import Topics, gateway_config
from vendor_gateway.running import GatewayThread

FAST_RETRY = {"max_attempts": 3, "base_delay_s": 0.001, "max_delay_s": 0.01}


def _publish(
    settings: OrderloomSettings, codec: EventCodec, topics: Topics, ids: list[str]
) -> None:
    publish(
        settings.kafka,
        codec,
        topics.requests,
        [vendor_request(r, sync=True, reply_topic=topics.replies) for r in ids],
    )


def _errors(answers: Answers, ids: list[str]) -> list[str | None]:
    return [answers.first[r].data.get("error") for r in ids]


def test_429_storm_is_waited_out_as_retry_after_says(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    ids = [f"s{i}" for i in range(20)]
    vendor = VendorConfig(
        cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.01, storms=(Window(0, 150),)
    )
    with (
        VendorThread(vendor) as sim,
        GatewayThread(
            gw_settings, gateway_config(sim.url, cap=5, reserved_sync_slots=1, retry=FAST_RETRY)
        ),
    ):
        _publish(gw_settings, codec, topics, ids)
        assert answers.wait_for(set(ids), timeout_s=30)
        stats = sim.stats()

    # Three attempts 1-10 ms apart cannot outlast a 1.5 s storm; waiting Retry-After can.
    assert _errors(answers, ids) == [None] * len(ids)
    assert stats["requests_by_status"]["429"] >= len(ids)
    assert stats["violations"] == 0


def test_5xx_are_retried_and_a_persistent_one_is_reported_with_status_and_body(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    flaky, broken = [f"f{i}" for i in range(40)], [f"b{i}" for i in range(3)]
    vendor = VendorConfig(
        cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.01, error_rate=0.3, seed=2
    )
    with (
        VendorThread(vendor) as sim,
        GatewayThread(
            gw_settings,
            gateway_config(
                sim.url,
                cap=5,
                reserved_sync_slots=1,
                retry={**FAST_RETRY, "max_attempts": 10},
                breaker={"failure_threshold": 1000},
            ),
        ),
    ):
        _publish(gw_settings, codec, topics, flaky)
        assert answers.wait_for(set(flaky), timeout_s=30)
        sim.control({"error_rate": 1.0})
        _publish(gw_settings, codec, topics, broken)
        assert answers.wait_for(set(broken), timeout_s=30)
        stats = sim.stats()

    assert _errors(answers, flaky) == [None] * len(flaky)
    assert _errors(answers, broken) == ["ERP.HTTP500"] * len(broken)
    cause = json.loads(answers.first[broken[0]].data["cause"])
    assert cause["status"] == 500 and "injected failure" in cause["body"]
    assert stats["requests_by_status"]["500"] > len(broken) * 3
    assert stats["violations"] == 0


def test_timeouts_are_reported_as_timeout_and_the_calls_abandoned(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    ids = [f"t{i}" for i in range(6)]
    vendor = VendorConfig(
        cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.01, timeout_rate=1.0
    )
    with (
        VendorThread(vendor) as sim,
        GatewayThread(
            gw_settings,
            gateway_config(
                sim.url,
                cap=5,
                reserved_sync_slots=1,
                read_timeout_s=0.2,
                retry={**FAST_RETRY, "max_attempts": 2},
                breaker={"failure_threshold": 1000},
            ),
        ),
    ):
        _publish(gw_settings, codec, topics, ids)
        assert answers.wait_for(set(ids), timeout_s=30)
        stats = sim.stats()

    assert _errors(answers, ids) == ["ERP.Timeout"] * len(ids)
    assert stats["abandoned"] == 2 * len(ids)
    assert stats["violations"] == 0


def _pools(gateway: GatewayThread) -> dict[str, Any]:
    figures: dict[str, Any] = httpx.get(
        f"http://127.0.0.1:{gateway.gateway.status.port}/pools"
    ).json()["erp"]
    return figures


def test_the_breaker_opens_on_an_outage_and_closes_when_the_vendor_is_back(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    during, after = [f"d{i}" for i in range(10)], [f"u{i}" for i in range(10)]
    vendor = VendorConfig(
        cap=5,
        duration=DurationSpec.parse("fixed:1"),
        time_scale=0.01,
        down=DownMode.REFUSE,
        down_for=300,
    )
    breaker = {"failure_threshold": 3, "window_s": 10, "open_for_s": 0.5}
    with (
        VendorThread(vendor) as sim,
        GatewayThread(
            gw_settings,
            gateway_config(
                sim.url, cap=5, reserved_sync_slots=1, retry=FAST_RETRY, breaker=breaker
            ),
        ) as gateway,
    ):
        _publish(gw_settings, codec, topics, during)
        assert answers.wait_for(set(during), timeout_s=30)
        circuit_during = _pools(gateway)["circuit"]
        while sim.stats()["faults"]["down"] is not None:
            time.sleep(0.05)
        time.sleep(0.6)
        # Half-open lets one probe through and fails the rest fast, so the probe goes first.
        _publish(gw_settings, codec, topics, after[:1])
        assert answers.wait_for(set(after[:1]), timeout_s=30)
        _publish(gw_settings, codec, topics, after[1:])
        assert answers.wait_for(set(after), timeout_s=30)
        circuit_after = _pools(gateway)["circuit"]
        stats = sim.stats()

    assert set(_errors(answers, during)) == {"ERP.Unavailable"}
    assert circuit_during in ("open", "half_open")
    assert _errors(answers, after) == [None] * len(after)
    assert circuit_after == "closed"
    assert stats["violations"] == 0


def test_the_limit_settles_below_the_cap_when_another_client_holds_ten(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    ids = [f"c{i}" for i in range(400)]
    vendor = VendorConfig(
        cap=25, shared_clients=10, duration=DurationSpec.parse("fixed:1"), time_scale=0.02
    )
    limiter = {"decrease_cooldown_s": 0.1, "quiet_period_s": 60}
    retry = {"max_attempts": 10, "base_delay_s": 0.01, "max_delay_s": 0.1}
    with (
        VendorThread(vendor) as sim,
        GatewayThread(
            gw_settings, gateway_config(sim.url, cap=25, limiter=limiter, retry=retry)
        ) as gateway,
    ):
        publish(
            gw_settings.kafka,
            codec,
            topics.requests,
            [vendor_request(r, sync=False, reply_topic=topics.replies) for r in ids],
        )
        assert answers.wait_for(set(ids), timeout_s=60)
        pools = _pools(gateway)
        stats = sim.stats()

    assert _errors(answers, ids) == [None] * len(ids)
    assert 1 <= pools["limit"] <= 15
    assert stats["rejected_shared"] >= 1
    assert stats["violations"] == 0
