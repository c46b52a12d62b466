"""The execution row folded from real histories: given these events, then this row."""

from __future__ import annotations

from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from orderloom.projections.fold import (
    ExecutionRow,
    HistoryRecord,
    fold,
    fold_all,
    from_epoch_ms,
)
from tests.unit.projections import histories
from tests.unit.projections.histories import T0, records


def _row(events: list[HistoryRecord], row: ExecutionRow | None = None) -> ExecutionRow:
    folded = reduce(fold, events, row)
    assert folded is not None
    return folded


def test_a_successful_order_is_succeeded_with_its_output() -> None:
    events = records("o-1", "OrderFulfillment", histories.order("o-1", 42.5), correlation_id="o-1")
    row = _row(events)
    assert (row.status, row.current_state, row.error, row.failed_state) == (
        "SUCCEEDED",
        "Done",
        None,
        None,
    )
    assert row.output == {"captured": 42.5, "order_id": "o-1"}
    assert row.input == {
        "order": {"id": "o-1", "total": 42.5, "lines": [{"sku": "R31", "quantity": 2}]}
    }
    assert (row.workflow, row.correlation_id, row.redrive_count) == ("OrderFulfillment", "o-1", 0)
    assert row.started_at == from_epoch_ms(T0) and row.stopped_at == events[-1].timestamp
    assert row.last_event_id == row.history_count == len(events)


def test_a_declined_order_caught_then_failed_names_the_error_and_the_failed_state() -> None:
    row = _row(records("o-2", "OrderFulfillment", histories.order("o-2", 5000)))
    assert (row.status, row.error, row.cause) == (
        "FAILED",
        "Payment.Declined",
        "card declined for 5000",
    )
    assert (row.failed_state, row.current_state, row.output) == ("Failed", "Failed", None)
    assert row.stopped_at is not None


def test_an_invalid_order_is_rejected_by_its_fail_state() -> None:
    row = _row(records("o-3", "OrderFulfillment", histories.order("o-3", 10, lines=False)))
    assert (row.status, row.error, row.failed_state) == ("FAILED", "Order.Invalid", "Rejected")


def test_a_redrive_makes_it_running_again_and_clears_the_failure() -> None:
    history, before = histories.charge_redriven("c-1")
    events = records("c-1", "Charge", history)
    failed = _row(events[:before])
    assert (failed.status, failed.error, failed.failed_state) == (
        "FAILED",
        "Payment.Declined",
        "Charge",
    )
    redriven = _row(events[before : before + 1], failed)
    assert (redriven.status, redriven.error, redriven.cause, redriven.failed_state) == (
        "RUNNING",
        None,
        None,
        None,
    )
    assert (redriven.redrive_count, redriven.stopped_at) == (1, None)
    done = _row(events[before + 1 :], redriven)
    assert (done.status, done.output, done.redrive_count) == (
        "SUCCEEDED",
        {"captured": 50, "order_id": "c-1"},
        1,
    )
    assert done.input == {"order_id": "c-1", "amount": 5000}  # the execution's own input
    assert done.last_event_id == done.history_count == len(events)


def test_states_inside_a_map_count_as_the_map() -> None:
    events = records("sync-1", "InventorySync", histories.inventory_sync("sync-1", 30))
    inside = next(i for i, e in enumerate(events) if e.event_type == "TaskStateEntered")
    assert _row(events[: inside + 1]).current_state == "PushLevels"
    row = _row(events)
    assert (row.status, row.current_state, row.output) == (
        "SUCCEEDED",
        "PushLevels",
        {"pushed": 30},
    )
    assert (row.open_fanout, row.fanout_depth) == (None, 0)
    assert row.stopped_at == from_epoch_ms(T0 + 3_600_000)


def test_an_execution_past_its_timeout_is_timed_out() -> None:
    row = _row(records("slow-1", "Slow", histories.timed_out("slow-1")))
    assert (row.status, row.error, row.failed_state) == ("TIMED_OUT", "States.Timeout", "Hold")


def test_an_event_already_applied_or_older_changes_nothing() -> None:
    events = records("o-4", "OrderFulfillment", histories.order("o-4", 7))
    row = _row(events)
    for event in events:
        assert fold(row, event) is row


def test_fold_all_returns_only_the_events_it_applied() -> None:
    events = records("o-5", "OrderFulfillment", histories.order("o-5", 7))
    rows: dict[str, ExecutionRow] = {}
    assert fold_all(rows, events[:5]) == events[:5]
    assert fold_all(rows, events) == events[5:]
    assert fold_all(rows, events) == []
    assert rows["o-5"] == _row(events)


@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=40), max_size=3), min_size=41, max_size=41)
)
def test_redelivered_events_anywhere_leave_the_same_row(stale: list[list[int]]) -> None:
    history, _ = histories.charge_redriven("c-2")
    events = records("c-2", "Charge", history) + records(
        "sync-2", "InventorySync", histories.inventory_sync("sync-2", 3)
    )
    assert len(events) <= len(stale)
    rows: dict[str, ExecutionRow] = {}
    for i, event in enumerate(events):
        fold_all(rows, [event, *(events[j] for j in stale[i] if j <= i)])
    expected = {"c-2": _row(events[:15]), "sync-2": _row(events[15:])}
    assert rows == expected
