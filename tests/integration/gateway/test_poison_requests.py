"""Requests the gateway cannot take or answer as they are: answered as failed when a workflow
waits for them, dead-lettered with the reason when none does, and the gateway goes on."""

from __future__ import annotations

import json
from dataclasses import replace

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from tests.integration.gateway.conftest import Topics, gateway_config
from tests.integration.poison import (
    NUL,
    UNDECODABLE_REASONS,
    dead_letters,
    produce_raw,
    reasons,
    undecodable,
)
from vendor_gateway.running import GatewayThread


def _with(request: Envelope, **data: object) -> Envelope:
    return replace(request, data={**request.data, **data})


def test_poison_requests_are_failed_or_dead_lettered_and_the_next_is_served(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    def sync(request_id: str) -> Envelope:
        return vendor_request(request_id, sync=True, reply_topic=topics.replies)

    def later(request_id: str) -> Envelope:
        return vendor_request(request_id, sync=False, reply_topic=topics.replies)

    produce_raw(gw_settings, topics.requests, undecodable(codec, topics.requests, sync("spoiled")))
    publish(
        gw_settings.kafka,
        codec,
        topics.requests,
        [
            _with(sync("nul-key"), idempotency_key=f"k{NUL}1"),
            _with(later("nul-key-later"), idempotency_key=f"k{NUL}2"),
            _with(
                sync("echoed-too-large"),
                body=json.dumps({"text": "é" * 400_000}, ensure_ascii=False),
            ),
            sync("fine"),
        ],
    )
    vendor = VendorConfig(cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.01)
    with VendorThread(vendor) as sim, GatewayThread(gw_settings, gateway_config(sim.url)):
        waited = {"nul-key", "echoed-too-large", "fine"}
        assert answers.wait_for(waited, timeout_s=60)
        letters = dead_letters(gw_settings, topics.requests, 4)

    assert answers.first["fine"].type == "orderloom.workflow.TaskSucceeded"
    refused = answers.first["nul-key"]
    assert refused.type == "orderloom.workflow.TaskFailed"
    assert refused.data["error"].endswith(".BadRequest"), refused.data
    assert "control character" in refused.data["cause"]
    too_large = answers.first["echoed-too-large"]
    assert too_large.type == "orderloom.workflow.TaskFailed"
    assert too_large.data["error"] == "ERP.ResponseTooLarge", too_large.data
    assert reasons(letters) == sorted([*UNDECODABLE_REASONS, "bad-request"])
