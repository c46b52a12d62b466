from __future__ import annotations

import pytest

from sim.vendor.config import VendorConfig, Window


def test_window_parse() -> None:
    assert Window.parse("60:30") == Window(60.0, 30.0)


@pytest.mark.parametrize("text", ["60", "a:b", "-1:5", "5:0", ""])
def test_window_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="START:LENGTH"):
        Window.parse(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cap": 0}, "cap"),
        ({"shared_clients": 26}, "shared_clients"),
        ({"time_scale": 0}, "time_scale"),
        ({"error_rate": 0.6, "timeout_rate": 0.5}, "sum to at most 1"),
        ({"retry_after": -1}, "must not be negative"),
        ({"down_for": 5}, "down_for needs down"),
        ({"slow_start_factor": 0.5}, "slow_start_factor"),
    ],
)
def test_config_refuses_nonsense(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VendorConfig(**changes)  # type: ignore[arg-type]


def test_real_applies_the_time_scale() -> None:
    assert VendorConfig(time_scale=0.01).real(300) == pytest.approx(3.0)
