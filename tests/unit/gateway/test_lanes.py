from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.gateway.factories import request
from vendor_gateway.lanes import LaneScheduler, LaneView
from vendor_gateway.model import Lane


def fill(scheduler: LaneScheduler, lane: Lane, count: int, prefix: str) -> None:
    for n in range(count):
        scheduler.offer(request(f"{prefix}{n}", lane))


def test_async_alone_never_takes_the_reserved_slots() -> None:
    scheduler = LaneScheduler(cap=25, reserved_sync_slots=5, lend_reserve=False)
    fill(scheduler, Lane.ASYNC, 1000, "a")

    started = scheduler.start_ready()

    assert len(started) == 20
    assert scheduler.view().async_ == LaneView(in_use=20, queued=980)


def test_sync_arriving_behind_a_batch_starts_at_once() -> None:
    scheduler = LaneScheduler(cap=25, reserved_sync_slots=5, lend_reserve=False)
    fill(scheduler, Lane.ASYNC, 1000, "a")
    scheduler.start_ready()

    scheduler.offer(request("order-1", Lane.SYNC))

    assert scheduler.next_to_start() == request("order-1", Lane.SYNC)


def test_sync_may_use_every_slot() -> None:
    scheduler = LaneScheduler(cap=25, reserved_sync_slots=5, lend_reserve=False)
    fill(scheduler, Lane.SYNC, 30, "s")

    assert len(scheduler.start_ready()) == 25
    assert scheduler.next_to_start() is None


def test_sync_goes_first_and_each_lane_is_fifo() -> None:
    scheduler = LaneScheduler(cap=3, reserved_sync_slots=1, lend_reserve=False)
    scheduler.offer(request("a0"))
    scheduler.offer(request("s0", Lane.SYNC))
    scheduler.offer(request("a1"))
    scheduler.offer(request("s1", Lane.SYNC))

    started = [r.request_id for r in scheduler.start_ready()]

    assert started == ["s0", "s1", "a0"]


def test_a_finished_slot_goes_to_the_waiting_sync_request() -> None:
    scheduler = LaneScheduler(cap=2, reserved_sync_slots=0, lend_reserve=False)
    fill(scheduler, Lane.ASYNC, 3, "a")
    scheduler.start_ready()
    scheduler.offer(request("s0", Lane.SYNC))

    scheduler.finish("a0")

    assert scheduler.next_to_start() == request("s0", Lane.SYNC)


def test_a_lowered_limit_keeps_one_slot_for_async() -> None:
    scheduler = LaneScheduler(cap=25, reserved_sync_slots=5, limit=3, lend_reserve=False)
    fill(scheduler, Lane.ASYNC, 10, "a")

    assert scheduler.reserve == 2
    assert len(scheduler.start_ready()) == 1
    scheduler.set_limit(1)
    assert scheduler.reserve == 0


def test_lowering_the_limit_below_in_flight_stops_new_starts() -> None:
    scheduler = LaneScheduler(cap=10, reserved_sync_slots=0, lend_reserve=False)
    fill(scheduler, Lane.SYNC, 12, "s")
    scheduler.start_ready()

    scheduler.set_limit(4)
    for n in range(6):
        scheduler.finish(f"s{n}")

    assert scheduler.start_ready() == []
    scheduler.finish("s6")
    assert [r.request_id for r in scheduler.start_ready()] == ["s10"]


def test_limit_is_clamped_to_the_cap() -> None:
    scheduler = LaneScheduler(cap=5, lend_reserve=False)
    scheduler.set_limit(50)
    assert scheduler.limit == 5
    scheduler.set_limit(0)
    assert scheduler.limit == 1


def test_position_and_withdraw() -> None:
    scheduler = LaneScheduler(cap=1, reserved_sync_slots=0, lend_reserve=False)
    fill(scheduler, Lane.ASYNC, 4, "a")
    scheduler.start_ready()

    assert scheduler.position("a2") == 1
    assert scheduler.withdraw("a1") == request("a1")
    assert scheduler.position("a2") == 0
    assert scheduler.position("a0") is None
    assert scheduler.withdraw("a0") is None


def test_an_id_is_offered_once() -> None:
    scheduler = LaneScheduler(cap=1, lend_reserve=False)
    scheduler.offer(request("a0"))
    with pytest.raises(ValueError, match="already known"):
        scheduler.offer(request("a0", Lane.SYNC))


operations = st.lists(
    st.one_of(
        st.tuples(st.just("offer"), st.sampled_from(Lane)),
        st.tuples(st.just("finish"), st.integers(min_value=0)),
        st.tuples(st.just("limit"), st.integers(min_value=0, max_value=12)),
    ),
    max_size=120,
)


def start_checked(scheduler: LaneScheduler) -> list[str]:
    """Start all that may start, checking each start against the rules."""
    started = []
    while True:
        before = scheduler.view()
        async_room = scheduler.limit - scheduler.reserve
        request_ = scheduler.next_to_start()
        if request_ is None:
            break
        assert before.sync.in_use + before.async_.in_use < scheduler.limit
        if request_.lane is Lane.ASYNC:
            assert before.sync.queued == 0
            assert before.async_.in_use < async_room
        started.append(request_.request_id)
    return started


@settings(max_examples=300)
@given(
    cap=st.integers(min_value=1, max_value=10),
    reserved=st.integers(min_value=0, max_value=12),
    ops=operations,
)
def test_scheduler_invariants(cap: int, reserved: int, ops: list[tuple[str, object]]) -> None:
    """Never above the limit, async never in the reserve, no slot idle for an eligible request."""
    scheduler = LaneScheduler(cap=cap, reserved_sync_slots=reserved, lend_reserve=False)
    running: list[str] = []
    for n, (op, arg) in enumerate(ops):
        if op == "offer":
            assert isinstance(arg, Lane)
            scheduler.offer(request(f"r{n}", arg))
        elif op == "finish" and running:
            assert isinstance(arg, int)
            scheduler.finish(running.pop(arg % len(running)))
        elif op == "limit":
            assert isinstance(arg, int)
            scheduler.set_limit(arg)
        running.extend(start_checked(scheduler))

        view = scheduler.view()
        in_flight = view.sync.in_use + view.async_.in_use
        assert in_flight == len(running) == scheduler.in_flight
        assert in_flight <= cap
        assert scheduler.limit - scheduler.reserve >= 1
        if in_flight < scheduler.limit:
            assert view.sync.queued == 0
            assert view.async_.queued == 0 or (
                view.async_.in_use >= scheduler.limit - scheduler.reserve
            )


@given(
    cap=st.integers(min_value=2, max_value=30),
    reserved=st.integers(min_value=1, max_value=8),
    sync_running=st.integers(min_value=0, max_value=8),
    finished=st.integers(min_value=0, max_value=40),
)
def test_a_sync_request_under_the_reserve_never_waits(
    cap: int, reserved: int, sync_running: int, finished: int
) -> None:
    scheduler = LaneScheduler(cap=cap, reserved_sync_slots=reserved, lend_reserve=False)
    fill(scheduler, Lane.SYNC, min(sync_running, scheduler.reserve - 1), "s")
    fill(scheduler, Lane.ASYNC, 100, "a")
    started = scheduler.start_ready()
    for item in started[: min(finished, len(started))]:
        scheduler.finish(item.request_id)
        scheduler.start_ready()

    scheduler.offer(request("urgent", Lane.SYNC))

    assert scheduler.next_to_start() == request("urgent", Lane.SYNC)


def test_lending_fills_every_slot_while_no_sync_request_waits() -> None:
    scheduler = LaneScheduler(cap=25, reserved_sync_slots=5)
    for i in range(30):
        scheduler.offer(request(f"a{i}", Lane.ASYNC))

    assert len(scheduler.start_ready()) == 25


def test_with_lending_a_sync_request_takes_the_next_slot_that_frees() -> None:
    scheduler = LaneScheduler(cap=3, reserved_sync_slots=1)
    for i in range(5):
        scheduler.offer(request(f"a{i}", Lane.ASYNC))
    busy = scheduler.start_ready()
    scheduler.offer(request("s", Lane.SYNC))

    assert scheduler.start_ready() == []
    scheduler.finish(busy[0].request_id)
    assert [r.request_id for r in scheduler.start_ready()] == ["s"]


@given(
    cap=st.integers(min_value=1, max_value=12),
    reserved=st.integers(min_value=0, max_value=12),
    ops=st.lists(
        st.tuples(st.sampled_from(["sync", "async", "finish"]), st.integers(0, 50)), max_size=80
    ),
)
def test_lending_leaves_no_slot_idle_and_never_puts_async_before_waiting_sync(
    cap: int, reserved: int, ops: list[tuple[str, int]]
) -> None:
    scheduler = LaneScheduler(cap=cap, reserved_sync_slots=min(reserved, cap - 1))
    running: list[str] = []
    for n, (op, pick) in enumerate(ops):
        if op == "finish":
            if running:
                scheduler.finish(running.pop(pick % len(running)))
        else:
            scheduler.offer(request(f"r{n}", Lane.SYNC if op == "sync" else Lane.ASYNC))
        started = scheduler.start_ready()
        running.extend(r.request_id for r in started)
        view = scheduler.view()
        queued = view.sync.queued + view.async_.queued
        assert scheduler.in_flight <= scheduler.limit
        assert queued == 0 or scheduler.in_flight == scheduler.limit
        assert not (view.sync.queued and any(r.lane is Lane.ASYNC for r in started))
