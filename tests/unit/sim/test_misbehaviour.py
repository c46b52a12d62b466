from __future__ import annotations

from typing import Any

import pytest

from sim.vendor.config import VendorConfig
from sim.vendor.faults import ControlError, Faults, apply_control
from sim.vendor.misbehaviour import CHUNK, Misbehaviour, Raw, answer

CONFIG = VendorConfig(cap=10)


def _answer(kind: Misbehaviour, target: str = "/orders?x=1", **kw: Any) -> Raw | None:
    settings: dict[str, Any] = {"redirect_to": None, "huge_bytes": 1 << 20, "slow_interval": 0.5}
    return answer(kind, target, **{**settings, **kw})


def _location(raw: Raw | None) -> str:
    assert raw is not None
    head = raw.head.decode("latin-1")
    return next(line[10:] for line in head.split("\r\n") if line.startswith("location: "))


def test_a_redirect_loop_goes_there_and_back() -> None:
    there = _location(_answer(Misbehaviour.REDIRECT_LOOP))
    assert there == "/looped/orders?x=1"
    assert _location(_answer(Misbehaviour.REDIRECT_LOOP, there)) == "/orders?x=1"


def test_a_redirect_chain_never_repeats_a_url() -> None:
    targets = ["/orders"]
    for _ in range(5):
        targets.append(_location(_answer(Misbehaviour.REDIRECT_CHAIN, targets[-1])))
    assert targets[1:3] == ["/hop/1/orders", "/hop/2/orders"]
    assert len(set(targets)) == len(targets)


def test_redirect_away_sends_to_the_other_origin_and_moved_serves_once_moved() -> None:
    away = _answer(Misbehaviour.REDIRECT_AWAY, redirect_to="http://other:81/")
    assert away is not None and away.status == 307
    assert _location(away) == "http://other:81/orders?x=1"
    assert _location(_answer(Misbehaviour.MOVED)) == "/moved/orders?x=1"
    assert _answer(Misbehaviour.MOVED, "/moved/orders?x=1") is None


def test_a_huge_body_is_chunked_without_a_length_and_ends_well_formed() -> None:
    raw = _answer(Misbehaviour.HUGE_BODY, huge_bytes=10 * CHUNK)
    assert raw is not None
    assert b"transfer-encoding: chunked" in raw.head and b"content-length" not in raw.head
    assert raw.count == 10 and raw.chunk.startswith(b"10000\r\n")
    assert raw.tail.endswith(b"0\r\n\r\n")


@pytest.mark.parametrize(
    ("kind", "reset"), [(Misbehaviour.RESET, True), (Misbehaviour.CUT_OFF, False)]
)
def test_a_cut_off_body_is_shorter_than_declared(kind: Misbehaviour, reset: bool) -> None:
    raw = _answer(kind)
    assert raw is not None and raw.reset is reset
    assert b"content-length: 1000" in raw.head and len(raw.tail) < 1000


def test_a_slow_body_trickles_its_declared_length() -> None:
    raw = _answer(Misbehaviour.SLOW_BODY)
    assert raw is not None
    assert (raw.count, raw.interval) == (100, 0.5)
    assert b"content-length: %d" % (raw.count * len(raw.chunk) + len(raw.tail)) in raw.head


@pytest.mark.parametrize(
    ("kind", "marker"),
    [
        (Misbehaviour.NUL_BODY, b"\x00"),
        (Misbehaviour.NOT_UTF8, b"\xe9"),
        (Misbehaviour.BAD_JSON, b"{'id'"),
        (Misbehaviour.BAD_HEADER, b"x-note: a\x00b"),
    ],
)
def test_broken_answers_carry_what_breaks_them(kind: Misbehaviour, marker: bytes) -> None:
    raw = _answer(kind)
    assert raw is not None and raw.status == 200
    assert marker in raw.head + raw.tail


def test_control_sets_and_clears_a_misbehaviour() -> None:
    faults = Faults()
    apply_control(faults, {"misbehave": "huge_body"}, CONFIG, now=0.0)
    assert faults.misbehave is Misbehaviour.HUGE_BODY
    assert faults.describe(0.0)["misbehave"] == "huge_body"
    apply_control(faults, {"misbehave": None}, CONFIG, now=0.0)
    assert faults.misbehave is None


@pytest.mark.parametrize(
    "payload",
    [
        {"misbehave": "teapot"},
        {"misbehave": "redirect_away"},
        {"redirect_to": "ftp://other/"},
        {"misbehave": 3},
    ],
)
def test_control_refuses_a_misbehaviour_it_cannot_carry_out(payload: dict[str, Any]) -> None:
    faults = Faults()
    with pytest.raises(ControlError):
        apply_control(faults, payload, CONFIG, now=0.0)
    assert faults.misbehave is None and faults.redirect_to is None


def test_redirect_away_at_launch_needs_somewhere_to_send() -> None:
    with pytest.raises(ValueError, match="redirect_to"):
        VendorConfig(misbehave=Misbehaviour.REDIRECT_AWAY)
    config = VendorConfig(misbehave=Misbehaviour.REDIRECT_AWAY, redirect_to="http://other/")
    assert Faults.at_launch(config, now=0.0).redirect_to == "http://other/"
