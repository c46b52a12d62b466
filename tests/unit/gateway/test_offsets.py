from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendor_gateway.offsets import OffsetTracker


def test_nothing_seen_means_nothing_to_commit() -> None:
    assert OffsetTracker().committable(0) is None


def test_commit_stops_below_the_lowest_unfinished() -> None:
    tracker = OffsetTracker()
    for offset in (10, 11, 12, 13):
        tracker.start(0, offset)

    tracker.finish(0, 12)
    tracker.finish(0, 13)
    assert tracker.committable(0) == 10

    tracker.finish(0, 10)
    assert tracker.committable(0) == 11

    tracker.finish(0, 11)
    assert tracker.committable(0) == 14
    assert tracker.in_flight(0) == 0


def test_gaps_in_offsets_are_fine() -> None:
    tracker = OffsetTracker()
    tracker.start(3, 5)
    tracker.start(3, 9)
    tracker.finish(3, 5)
    assert tracker.committable(3) == 9


def test_partitions_are_independent() -> None:
    tracker = OffsetTracker()
    tracker.start(0, 1)
    tracker.start(1, 7)
    tracker.finish(1, 7)
    assert tracker.committable(0) == 1
    assert tracker.committable(1) == 8
    assert tracker.partitions() == [0, 1]


def test_revoke_forgets_the_partition() -> None:
    tracker = OffsetTracker()
    tracker.start(0, 4)
    tracker.revoke(0)
    assert tracker.committable(0) is None
    tracker.start(0, 2)
    assert tracker.committable(0) == 2


@pytest.mark.parametrize("offset", [3, 4])
def test_offsets_must_increase(offset: int) -> None:
    tracker = OffsetTracker()
    tracker.start(0, 4)
    with pytest.raises(ValueError, match="does not follow"):
        tracker.start(0, offset)


def test_finishing_twice_or_unknown_is_an_error() -> None:
    tracker = OffsetTracker()
    tracker.start(0, 4)
    tracker.finish(0, 4)
    with pytest.raises(ValueError, match="not in flight"):
        tracker.finish(0, 4)
    with pytest.raises(ValueError, match="not in flight"):
        tracker.finish(1, 0)


@given(
    gaps=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=60),
    order=st.randoms(use_true_random=False),
    steps=st.integers(min_value=0, max_value=60),
)
def test_never_commits_above_an_unfinished_offset(
    gaps: list[int], order: random.Random, steps: int
) -> None:
    tracker = OffsetTracker()
    offsets = []
    offset = -1
    for gap in gaps:
        offset += gap
        offsets.append(offset)
        tracker.start(0, offset)
    finishing = order.sample(offsets, k=min(steps, len(offsets)))
    unfinished = set(offsets)
    for done in finishing:
        tracker.finish(0, done)
        unfinished.discard(done)
        committable = tracker.committable(0)
        assert committable is not None
        assert all(committable <= u for u in unfinished)
        assert committable == (min(unfinished) if unfinished else offsets[-1] + 1)
