"""A hostile or broken vendor: redirects, huge, malformed or cut-off answers, slow bodies.

Whatever it sends, each request is answered with a named failure, the next good
request is answered too, every offset is committed (the partitions move on), the
vendor never sees more than the cap, and the vendor's credentials never go to
another origin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from bench.gateway_load import Answers, publish, vendor_request
from orderloom.events.codec import EventCodec
from orderloom.kafka.config import consumer_config
from orderloom.settings import OrderloomSettings
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from sim.vendor.misbehaviour import Misbehaviour
from tests.integration.gateway.conftest import Topics, gateway_config
from vendor_gateway.config import GatewayConfig
from vendor_gateway.running import GatewayThread

CAP = 3
RETRY = {"max_attempts": 2, "base_delay_s": 0.001, "max_delay_s": 0.01}
NO_BREAKER = {"failure_threshold": 1000}
BAD, GOOD = [f"bad{i}" for i in range(6)], [f"good{i}" for i in range(6)]


def _publish(
    settings: OrderloomSettings, codec: EventCodec, topics: Topics, ids: list[str], **kw: Any
) -> None:
    publish(
        settings.kafka,
        codec,
        topics.requests,
        [vendor_request(r, sync=True, reply_topic=topics.replies, **kw) for r in ids],
    )


def _errors(answers: Answers, ids: list[str]) -> list[str | None]:
    return [answers.first[r].data.get("error") for r in ids]


def _committed_to_the_end(
    settings: OrderloomSettings, config: GatewayConfig, topic: str, timeout_s: float = 20
) -> bool:
    """Whether the gateway's group commits every partition of ``topic`` to its end in time."""
    consumer = Consumer(consumer_config(settings.kafka, config.group_id))
    try:
        partitions = [TopicPartition(topic, p) for p in range(4)]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, 10)[1] for tp in partitions}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, 10)}
            if all(committed[p] == end for p, end in ends.items() if end > 0):
                return True
            time.sleep(0.2)
        return False
    finally:
        consumer.close()


def _bad_then_good(
    settings: OrderloomSettings,
    codec: EventCodec,
    topics: Topics,
    answers: Answers,
    sim: VendorThread,
    config: GatewayConfig,
) -> dict[str, Any]:
    """Send the bad requests while the vendor misbehaves, then good ones; the vendor's stats.

    The bad ones are on the topic before the gateway starts: it subscribes to a topic
    the broker already knows.
    """
    _publish(settings, codec, topics, BAD)
    with GatewayThread(settings, config):
        assert answers.wait_for(set(BAD), timeout_s=30)
        sim.control({"misbehave": None})
        _publish(settings, codec, topics, GOOD)
        assert answers.wait_for(set(GOOD), timeout_s=30)
        assert _committed_to_the_end(settings, config, topics.requests)
    assert _errors(answers, GOOD) == [None] * len(GOOD)
    stats = sim.stats()
    assert stats["max_concurrency"] <= CAP
    assert stats["violations"] == 0
    return stats


def _vendor(misbehave: Misbehaviour, **kw: Any) -> VendorConfig:
    return VendorConfig(
        cap=CAP,
        duration=DurationSpec.parse("fixed:1"),
        time_scale=0.01,
        misbehave=misbehave,
        **kw,
    )


@pytest.mark.parametrize(
    ("misbehave", "error", "attempts", "cause"),
    [
        (Misbehaviour.REDIRECT_LOOP, "ERP.RedirectLoop", 2, "redirect back to /sales-orders"),
        (Misbehaviour.REDIRECT_CHAIN, "ERP.TooManyRedirects", 4, "at most 3 followed"),
        (Misbehaviour.NUL_BODY, "ERP.MalformedResponse", 1, "NUL"),
        (Misbehaviour.NOT_UTF8, "ERP.MalformedResponse", 1, "not valid utf-8"),
        (Misbehaviour.BAD_JSON, "ERP.MalformedResponse", 1, "not the JSON"),
        (Misbehaviour.BAD_HEADER, "ERP.MalformedResponse", 1, "not valid HTTP"),
        (Misbehaviour.RESET, "ERP.ConnectionReset", 2, "reset the connection"),
        (Misbehaviour.CUT_OFF, "ERP.ConnectionReset", 2, "closed or reset"),
    ],
)
def test_a_misbehaving_answer_is_a_named_failure_and_the_partitions_move_on(
    gw_settings: OrderloomSettings,
    codec: EventCodec,
    topics: Topics,
    answers: Answers,
    misbehave: Misbehaviour,
    error: str,
    attempts: int,
    cause: str,
) -> None:
    with VendorThread(_vendor(misbehave)) as sim:
        config = gateway_config(
            sim.url, cap=CAP, reserved_sync_slots=1, retry=RETRY, breaker=NO_BREAKER
        )
        stats = _bad_then_good(gw_settings, codec, topics, answers, sim, config)

    assert _errors(answers, BAD) == [error] * len(BAD)
    assert cause in answers.first[BAD[0]].data["cause"]
    # Redirects are counted per request asked; a reset is retried (the call is keyed).
    assert stats["misbehaved"] == attempts * len(BAD)


def test_a_huge_body_is_refused_at_the_cap_without_reading_the_rest(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    with VendorThread(_vendor(Misbehaviour.HUGE_BODY, huge_bytes=256 << 20)) as sim:
        config = gateway_config(
            sim.url,
            cap=CAP,
            reserved_sync_slots=1,
            retry=RETRY,
            breaker=NO_BREAKER,
            max_response_bytes=64 << 10,
        )
        stats = _bad_then_good(gw_settings, codec, topics, answers, sim, config)

    assert _errors(answers, BAD) == ["ERP.ResponseTooLarge"] * len(BAD)
    assert "cap of 65536" in answers.first[BAD[0]].data["cause"]
    assert stats["misbehaved"] == len(BAD)
    assert stats["cut_short"] == len(BAD)


def test_a_body_trickling_past_the_read_timeout_is_a_timeout(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    # 100 bytes, one every 10 ms: never 0.3 s without a byte, but 1 s for the body, past
    # the 0.5 s an attempt may take (connect and read timeouts together).
    with VendorThread(_vendor(Misbehaviour.SLOW_BODY, slow_interval=1.0)) as sim:
        config = gateway_config(
            sim.url,
            cap=CAP,
            reserved_sync_slots=1,
            retry=RETRY,
            breaker=NO_BREAKER,
            connect_timeout_s=0.2,
            read_timeout_s=0.3,
        )
        stats = _bad_then_good(gw_settings, codec, topics, answers, sim, config)

    assert _errors(answers, BAD) == ["ERP.Timeout"] * len(BAD)
    assert stats["cut_short"] == 2 * len(BAD)


class Recorder(BaseHTTPRequestHandler):
    """A server that records the headers of every request it gets; it answers 200, or a
    307 to the same path at ``redirect_to`` when that is set."""

    seen: list[dict[str, str]]
    redirect_to: str | None = None

    def do_POST(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"recorded": true}'
        if self.redirect_to is None:
            self.send_response(200)
        else:
            self.send_response(307)
            self.send_header("location", self.redirect_to + self.path)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def recording(redirect_to: str | None = None) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A recorder on a port of loopback of its own: its URL and the headers it was sent."""
    seen: list[dict[str, str]] = []
    handler = type("Recording", (Recorder,), {"seen": seen, "redirect_to": redirect_to})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_another_origin_is_not_followed_and_the_partitions_move_on(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    with (
        recording() as (elsewhere, seen),
        VendorThread(_vendor(Misbehaviour.REDIRECT_AWAY, redirect_to=elsewhere)) as sim,
    ):
        config = gateway_config(
            sim.url, cap=CAP, reserved_sync_slots=1, retry=RETRY, breaker=NO_BREAKER
        )
        stats = _bad_then_good(gw_settings, codec, topics, answers, sim, config)

    assert _errors(answers, BAD) == ["ERP.CrossOriginRedirect"] * len(BAD)
    assert elsewhere.removeprefix("http://") in answers.first[BAD[0]].data["cause"]
    assert stats["misbehaved"] == len(BAD)
    assert seen == []


def test_the_credentials_go_to_the_vendor_and_never_to_the_origin_it_redirects_to(
    gw_settings: OrderloomSettings,
    codec: EventCodec,
    topics: Topics,
    answers: Answers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_ERP_TOKEN", "Bearer s3cret")
    monkeypatch.setenv("TEST_ERP_KEY", "k3y")
    auth = {"Authorization": "TEST_ERP_TOKEN", "X-Api-Key": "TEST_ERP_KEY"}
    with recording() as (elsewhere, stolen), recording(redirect_to=elsewhere) as (url, asked):
        config = gateway_config(
            url, cap=CAP, reserved_sync_slots=1, retry=RETRY, breaker=NO_BREAKER, auth_headers=auth
        )
        _publish(gw_settings, codec, topics, BAD)
        with GatewayThread(gw_settings, config):
            assert answers.wait_for(set(BAD), timeout_s=30)

    assert _errors(answers, BAD) == ["ERP.CrossOriginRedirect"] * len(BAD)
    assert len(asked) == len(BAD)
    assert all(h["authorization"] == "Bearer s3cret" and h["x-api-key"] == "k3y" for h in asked)
    assert stolen == []


def test_a_redirect_within_the_vendor_is_followed(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    with VendorThread(_vendor(Misbehaviour.MOVED)) as sim:
        config = gateway_config(
            sim.url, cap=CAP, reserved_sync_slots=1, retry=RETRY, breaker=NO_BREAKER
        )
        _publish(gw_settings, codec, topics, BAD)
        with GatewayThread(gw_settings, config):
            assert answers.wait_for(set(BAD), timeout_s=30)
        stats = sim.stats()

    assert _errors(answers, BAD) == [None] * len(BAD)
    assert '"operation": "POST /moved/sales-orders"' in answers.first[BAD[0]].data["output"]
    assert stats["misbehaved"] == len(BAD)
    assert stats["completed"] == len(BAD)
    assert stats["max_concurrency"] <= CAP


def test_an_answer_too_large_for_a_reply_fails_and_the_partitions_move_on(
    gw_settings: OrderloomSettings, codec: EventCodec, topics: Topics, answers: Answers
) -> None:
    big = {"blob": "x" * 950_000}
    vendor = VendorConfig(
        cap=CAP,
        duration=DurationSpec.parse("fixed:1"),
        time_scale=0.01,
        fixtures={("POST", "/sales-orders"): big},
    )
    with VendorThread(vendor) as sim:
        config = gateway_config(
            sim.url, cap=CAP, reserved_sync_slots=1, retry=RETRY, breaker=NO_BREAKER
        )
        _publish(gw_settings, codec, topics, BAD)
        with GatewayThread(gw_settings, config):
            assert answers.wait_for(set(BAD), timeout_s=30)
            _publish(gw_settings, codec, topics, GOOD, operation="get_sales_order")
            assert answers.wait_for(set(GOOD), timeout_s=30)
            assert _committed_to_the_end(gw_settings, config, topics.requests)
        stats = sim.stats()

    assert _errors(answers, BAD) == ["ERP.ReplyTooLarge"] * len(BAD)
    assert _errors(answers, GOOD) == [None] * len(GOOD)
    assert stats["max_concurrency"] <= CAP
