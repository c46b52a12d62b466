"""Requests the gateway cannot carry out: dead-lettered with the reason, or answered."""

from __future__ import annotations

from confluent_kafka import Consumer, Producer

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.kafka.config import consumer_config, producer_config
from orderloom.kafka.records import Consumed
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from tests.integration.gateway.conftest import Topics, gateway_config
from vendor_gateway.running import GatewayThread


def _dead_letters(settings: OrderloomSettings, topic: str, count: int) -> list[dict[str, str]]:
    consumer = Consumer(consumer_config(settings.kafka, f"dlq-{topic}"))
    consumer.subscribe([topic])
    found: list[dict[str, str]] = []
    for _ in range(100):
        for message in consumer.consume(10, 0.2):
            if message.error() is None:
                record = Consumed.of(message)
                found.append(
                    {
                        k: (v or b"").decode() if isinstance(v, bytes) else str(v)
                        for k, v in record.headers
                    }
                )
        if len(found) >= count:
            break
    consumer.close()
    return found


def test_malformed_and_unknown_requests_are_set_aside_and_the_gateway_goes_on(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    raw = Producer(producer_config(gw_settings.kafka))
    raw.produce(topics.requests, key=b"exec-x", value=b"not an envelope", partition=0)
    raw.flush(10)
    publish(
        gw_settings.kafka,
        codec,
        topics.requests,
        [
            vendor_request("unknown-sync", sync=True, reply_topic=topics.replies, operation="nope"),
            vendor_request("unknown-vendor", sync=False, reply_topic=topics.replies, vendor="crm"),
            vendor_request("fine", sync=True, reply_topic=topics.replies),
        ],
    )
    vendor = VendorConfig(cap=5, duration=DurationSpec.parse("fixed:1"), time_scale=0.01)
    with VendorThread(vendor) as sim, GatewayThread(gw_settings, gateway_config(sim.url)):
        assert answers.wait_for({"unknown-sync", "fine"}, timeout_s=30)
        dead = _dead_letters(gw_settings, topics.dlq, 2)

    failed = answers.first["unknown-sync"]
    assert failed.type == "orderloom.workflow.TaskFailed"
    assert failed.data["error"] == "ERP.UnknownOperation"
    assert answers.first["fine"].type == "orderloom.workflow.TaskSucceeded"
    assert sorted(d["dlq_reason"] for d in dead) == ["missing-header", "unknown-operation"]
    unknown = next(d for d in dead if d["dlq_reason"] == "unknown-operation")
    assert "crm" in unknown["dlq_error"]
