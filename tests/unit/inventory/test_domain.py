"""The ledger's rules as stories: given stock, when a command, then these events."""

from __future__ import annotations

from inventory_service.domain import (
    CONFLICT,
    OUT_OF_STOCK,
    UNKNOWN_SKU,
    apply,
    decide,
)
from inventory_service.model import (
    Answered,
    ApplyLevels,
    ApplyProducts,
    AvailabilityReported,
    Item,
    Level,
    Line,
    Product,
    Release,
    ReservationRejected,
    Reserve,
    ReservedLine,
    Shortage,
    Stock,
    StockLevelChanged,
    StockReleased,
    StockReserved,
)

TEE = Item("TEE", on_hand=10)
CAP = Item("CAP", on_hand=2, backorder=True)


def given(*items: Item) -> Stock:
    return Stock({i.sku: i for i in items})


def test_reserving_holds_every_line_and_answers_the_reservation() -> None:
    stock = given(TEE, CAP)
    events = decide(stock, Reserve("o1", (Line("TEE", 3), Line("CAP", 1))))
    lines = (ReservedLine(1, "TEE", 3), ReservedLine(2, "CAP", 1))
    assert events[0] == StockReserved("o1", lines)
    assert isinstance(events[1], Answered) and events[1].error is None
    assert events[1].output["lines"][0] == {
        "line": 1,
        "sku": "TEE",
        "quantity": 3,
        "backordered": 0,
    }
    after = apply(stock, events)
    assert after.items["TEE"].available == 7 and after.items["CAP"].available == 1


def test_a_shortage_rejects_the_whole_order_and_names_skus_and_quantities() -> None:
    stock = given(TEE, Item("MUG", on_hand=1))
    events = decide(stock, Reserve("o1", (Line("MUG", 2), Line("TEE", 1))))
    rejected, answer = events
    assert isinstance(rejected, ReservationRejected)
    assert rejected.shortages == (Shortage("MUG", 2, 1),)
    assert isinstance(answer, Answered) and answer.error == OUT_OF_STOCK
    assert "MUG wants 2, 1 available" in answer.cause
    assert apply(stock, events) == stock


def test_lines_of_one_sku_are_counted_together() -> None:
    events = decide(given(TEE), Reserve("o1", (Line("TEE", 6), Line("TEE", 5))))
    assert isinstance(events[0], ReservationRejected)
    assert events[0].shortages == (Shortage("TEE", 11, 10),)


def test_an_unknown_sku_is_refused() -> None:
    events = decide(given(TEE), Reserve("o1", (Line("NOPE", 1), Line("TEE", 1))))
    answer = events[-1]
    assert isinstance(answer, Answered) and answer.error == UNKNOWN_SKU
    assert "NOPE" in answer.cause


def test_never_negative_without_backorder_but_backorder_may_go_below_zero() -> None:
    stock = apply(given(TEE, CAP), decide(given(TEE, CAP), Reserve("o1", (Line("TEE", 10),))))
    assert stock.items["TEE"].available == 0
    refused = decide(stock, Reserve("o2", (Line("TEE", 1),)))
    assert isinstance(refused[0], ReservationRejected)
    events = decide(stock, Reserve("o3", (Line("CAP", 5),)))
    assert events[0] == StockReserved("o3", (ReservedLine(1, "CAP", 5, backordered=3),))
    assert apply(stock, events).items["CAP"].available == -3


def test_reserving_the_same_order_again_returns_the_same_reservation() -> None:
    command = Reserve("o1", (Line("TEE", 3),))
    first = decide(given(TEE), command)
    stock = apply(given(TEE), first)
    again = decide(stock, command)
    assert again == [first[1]]
    assert apply(stock, again).items["TEE"].reserved == 3


def test_reserving_the_same_order_with_other_lines_is_a_conflict() -> None:
    stock = apply(given(TEE), decide(given(TEE), Reserve("o1", (Line("TEE", 3),))))
    events = decide(stock, Reserve("o1", (Line("TEE", 4),)))
    assert len(events) == 1 and isinstance(events[0], Answered) and events[0].error == CONFLICT


def test_release_frees_every_line_once() -> None:
    reserved = decide(given(TEE, CAP), Reserve("o1", (Line("TEE", 3), Line("CAP", 1))))
    stock = apply(given(TEE, CAP), reserved)
    released = decide(stock, Release("o1"))
    assert isinstance(released[0], StockReleased) and len(released[0].lines) == 2
    stock = apply(stock, released)
    assert stock.items["TEE"].reserved == 0 and stock.items["CAP"].reserved == 0
    twice = decide(stock, Release("o1"))
    assert twice == [Answered({"order_id": "o1", "released": []})]


def test_release_of_an_order_never_reserved_releases_nothing() -> None:
    assert decide(given(TEE), Release("ghost")) == [Answered({"order_id": "ghost", "released": []})]


def test_a_released_order_may_be_reserved_again() -> None:
    stock = given(TEE)
    for command in (Reserve("o1", (Line("TEE", 3),)), Release("o1")):
        stock = apply(stock, decide(stock, command))
    events = decide(stock, Reserve("o1", (Line("TEE", 3),)))
    assert isinstance(events[0], StockReserved)
    assert apply(stock, events).items["TEE"].reserved == 3


def test_levels_report_only_what_changed_since_the_last_push() -> None:
    stock = given(Item("TEE", on_hand=10, reported=10), Item("CAP", on_hand=5, reported=5))
    events = decide(stock, ApplyLevels((Level("TEE", 12), Level("CAP", 5), Level("NEW", 4))))
    assert StockLevelChanged("TEE", 12, 10, 0) in events
    assert StockLevelChanged("NEW", 4, 0, 0) in events
    assert events[-1] == Answered(
        {"changed": [{"sku": "NEW", "available": 4}, {"sku": "TEE", "available": 12}]}
    )
    stock = apply(stock, events)
    assert decide(stock, ApplyLevels((Level("TEE", 12),)))[-1] == Answered({"changed": []})


def test_levels_also_report_availability_moved_by_reservations() -> None:
    stock = given(Item("TEE", on_hand=10, reported=10))
    stock = apply(stock, decide(stock, Reserve("o1", (Line("TEE", 4),))))
    events = decide(stock, ApplyLevels(()))
    assert events == [
        AvailabilityReported("TEE", 6),
        Answered({"changed": [{"sku": "TEE", "available": 6}]}),
    ]


def test_products_report_new_and_changed_ones_only() -> None:
    stock = given(Item("TEE", title="Tee", price_cents=500))
    events = decide(
        stock,
        ApplyProducts((Product("TEE", "Tee", 500), Product("CAP", "Cap", 900))),
    )
    assert events[-1] == Answered({"changed": [{"sku": "CAP", "title": "Cap", "price_cents": 900}]})
    assert apply(stock, events).items["CAP"].title == "Cap"
