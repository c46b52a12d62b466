from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.vendor.durations import DurationSpec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("fixed:2", DurationSpec("fixed", (2.0,))),
        ("uniform:2,300", DurationSpec("uniform", (2.0, 300.0))),
        (" LogNormal: 3.0, 1.2 ", DurationSpec("lognormal", (3.0, 1.2))),
    ],
)
def test_parse(text: str, spec: DurationSpec) -> None:
    assert DurationSpec.parse(text) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("normal:1,2", "unknown distribution"),
        ("fixed", "takes 1 parameter"),
        ("uniform:5", "takes 2 parameter"),
        ("uniform:5,2", "low <= high"),
        ("fixed:-1", "must not be negative"),
        ("lognormal:1,-1", "sigma >= 0"),
        ("fixed:two", "bad duration parameters"),
        ("fixed:nan", "finite"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DurationSpec.parse(text)


def test_clip_bounds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="must not exceed"):
        DurationSpec.parse("fixed:2", minimum=5, maximum=1)


def test_fixed_is_fixed() -> None:
    assert DurationSpec.parse("fixed:2").sample(random.Random(1)) == 2.0


def test_the_seed_makes_runs_repeat() -> None:
    spec = DurationSpec.parse("lognormal:3,1")
    rng_a, rng_b = random.Random(42), random.Random(42)
    assert [spec.sample(rng_a) for _ in range(50)] == [spec.sample(rng_b) for _ in range(50)]


@given(
    low=st.floats(0, 100),
    width=st.floats(0, 300),
    seed=st.integers(0, 2**32),
)
def test_uniform_stays_within_its_bounds(low: float, width: float, seed: int) -> None:
    spec = DurationSpec("uniform", (low, low + width))
    assert low <= spec.sample(random.Random(seed)) <= low + width


@given(
    mu=st.floats(-3, 8),
    sigma=st.floats(0, 3),
    bounds=st.tuples(st.floats(0, 10), st.floats(0, 400)).map(sorted),
    seed=st.integers(0, 2**32),
)
def test_clipping_holds_for_any_draw(
    mu: float, sigma: float, bounds: list[float], seed: int
) -> None:
    spec = DurationSpec("lognormal", (mu, sigma), minimum=bounds[0], maximum=bounds[1])
    assert bounds[0] <= spec.sample(random.Random(seed)) <= bounds[1]


def test_lognormal_median_is_e_to_the_mu() -> None:
    spec = DurationSpec.parse("lognormal:1,0.5")
    rng = random.Random(3)
    draws = sorted(spec.sample(rng) for _ in range(4001))
    assert draws[2000] == pytest.approx(2.718, rel=0.1)
