from __future__ import annotations

from typing import Any

import pytest

from sim.vendor.config import DownMode, VendorConfig, Window
from sim.vendor.faults import ControlError, Faults, apply_control

CONFIG = VendorConfig(cap=10, time_scale=0.5)


def test_launch_windows_are_scaled_from_launch() -> None:
    config = VendorConfig(time_scale=0.5, storms=(Window(10, 4),), slow_start=8)
    faults = Faults.at_launch(config, now=100.0)
    assert faults.storms == [(105.0, 107.0)]
    assert faults.slow_start == (100.0, 104.0)


def test_a_launch_outage_can_be_timed() -> None:
    config = VendorConfig(time_scale=0.5, down=DownMode.REFUSE, down_for=10)
    faults = Faults.at_launch(config, now=100.0)
    assert faults.down_mode(104.0) is DownMode.REFUSE
    assert faults.down_mode(105.0) is None


def test_storm_is_felt_only_inside_its_window() -> None:
    faults = Faults(storms=[(10.0, 20.0)])
    assert faults.storm_left(9.9) is None
    assert faults.storm_left(15.0) == 5.0
    assert faults.storm_left(20.0) is None
    assert faults.storms == []


def test_slow_start_eases_to_normal() -> None:
    faults = Faults(slow_start=(0.0, 10.0), slow_start_factor=3.0)
    assert faults.slowdown(0.0) == 3.0
    assert faults.slowdown(5.0) == 2.0
    assert faults.slowdown(10.0) == 1.0


def test_control_changes_rates_and_share() -> None:
    faults = Faults()
    apply_control(faults, {"error_rate": 0.2, "timeout_rate": 0.1, "shared_clients": 4}, CONFIG, 0)
    assert (faults.error_rate, faults.timeout_rate, faults.shared_clients) == (0.2, 0.1, 4)


def test_timed_outage_ends_by_itself() -> None:
    faults = Faults()
    apply_control(faults, {"down": "refuse", "down_for": 10}, CONFIG, now=100.0)
    assert faults.down_mode(104.9) is DownMode.REFUSE
    assert faults.down_mode(105.0) is None


def test_down_for_alone_means_503_and_down_false_comes_back() -> None:
    faults = Faults()
    apply_control(faults, {"down_for": 10}, CONFIG, now=0.0)
    assert faults.down_mode(1.0) is DownMode.UNAVAILABLE
    apply_control(faults, {"down": False}, CONFIG, now=1.0)
    assert faults.down_mode(1.0) is None
    assert faults.down_until is None


def test_storm_and_slow_start_begin_now() -> None:
    faults = Faults()
    apply_control(
        faults, {"storm_for": 4, "slow_start_for": 2, "slow_start_factor": 5}, CONFIG, now=50.0
    )
    assert faults.storm_left(51.0) == 1.0
    assert faults.slowdown(50.0) == 5.0
    assert faults.describe(50.0)["storm_left"] == 2.0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"errors": 1}, "unknown control field"),
        ({"error_rate": "high"}, "wrong type"),
        ({"shared_clients": True}, "wrong type"),
        ({"reset": 1}, "wrong type"),
        ({"storm_for": -1}, "must not be negative"),
        ({"error_rate": 0.7, "timeout_rate": 0.7}, "sum to at most 1"),
        ({"shared_clients": 11}, "must not exceed the cap"),
        ({"down": "sideways"}, "not a valid DownMode"),
        ({"slow_start_factor": 0.5}, "at least 1"),
    ],
)
def test_bad_control_changes_nothing(payload: dict[str, Any], message: str) -> None:
    faults = Faults()
    with pytest.raises(ControlError, match=message):
        apply_control(faults, {"error_rate": 0.5, **payload}, CONFIG, now=0.0)
    assert faults == Faults()
