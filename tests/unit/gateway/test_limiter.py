from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vendor_gateway.limiter import AimdLimiter


def test_starts_at_the_cap() -> None:
    assert AimdLimiter(25).limit == 25


def test_a_429_below_the_cap_halves_the_limit() -> None:
    limiter = AimdLimiter(25)

    assert limiter.on_rate_limited(in_flight=20, now=0.0)

    assert limiter.limit == 12


def test_a_429_at_the_cap_is_not_a_shared_cap_signal() -> None:
    limiter = AimdLimiter(25)
    assert not limiter.on_rate_limited(in_flight=25, now=0.0)
    assert limiter.limit == 25


def test_a_burst_of_429s_is_one_decrease() -> None:
    limiter = AimdLimiter(25, decrease_cooldown=5.0)
    for n in range(10):
        limiter.on_rate_limited(in_flight=20, now=n * 0.1)
    assert limiter.limit == 12

    limiter.on_rate_limited(in_flight=11, now=6.0)
    assert limiter.limit == 6


def test_the_limit_never_drops_below_one() -> None:
    limiter = AimdLimiter(4, decrease_cooldown=0.0)
    for n in range(10):
        limiter.on_rate_limited(in_flight=0, now=float(n))
    assert limiter.limit == 1


def test_grows_one_slot_per_quiet_period_back_to_the_cap() -> None:
    limiter = AimdLimiter(4, quiet_period=30.0, decrease_cooldown=0.0)
    limiter.on_rate_limited(in_flight=3, now=0.0)
    assert limiter.limit == 2

    assert not limiter.on_success(now=10.0)
    assert limiter.on_success(now=30.0)
    assert limiter.limit == 3
    assert not limiter.on_success(now=31.0)
    assert limiter.on_success(now=60.0)
    assert not limiter.on_success(now=1000.0)
    assert limiter.limit == 4


def test_growth_waits_for_enough_successes() -> None:
    limiter = AimdLimiter(10, quiet_period=0.0, successes_per_increase=3)
    limiter.on_rate_limited(in_flight=1, now=0.0)
    results = [limiter.on_success(now=float(n)) for n in range(1, 7)]
    assert results == [False, False, True, False, False, True]
    assert limiter.limit == 7


@given(
    cap=st.integers(min_value=1, max_value=50),
    events=st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=60)),
        max_size=100,
    ),
)
def test_limit_stays_within_one_and_cap(cap: int, events: list[tuple[bool, int]]) -> None:
    limiter = AimdLimiter(cap, quiet_period=1.0, decrease_cooldown=1.0)
    for n, (rate_limited, in_flight) in enumerate(events):
        if rate_limited:
            limiter.on_rate_limited(in_flight=in_flight, now=float(n))
        else:
            limiter.on_success(now=float(n))
        assert 1 <= limiter.limit <= cap
