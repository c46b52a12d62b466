"""A reservation's later life as stories: cancelled in every order against reserve and
commit, restocked by refunds, each effect once."""

from __future__ import annotations

from inventory_service.domain import apply, decide
from inventory_service.lifecycle import (
    ALREADY_SHIPPED,
    NOT_RESERVED,
    NOT_SHIPPED,
    ORDER_CANCELLED,
)
from inventory_service.model import (
    Answered,
    Cancel,
    Command,
    Commit,
    Item,
    Line,
    OrderCancelled,
    Release,
    ReservationCommitted,
    Reserve,
    ReservedLine,
    Restock,
    RestockedLine,
    Stock,
    StockReleased,
    StockRestocked,
)

TEE = Item("TEE", on_hand=10)
CAP = Item("CAP", on_hand=5)
RESERVE = Reserve("o1", (Line("TEE", 3), Line("CAP", 1)))


def run(*commands: Command) -> tuple[Stock, list[Answered]]:
    """The stock after ``commands`` in that order, and each command's answer."""
    stock, answers = Stock({"TEE": TEE, "CAP": CAP}), []
    for command in commands:
        events = decide(stock, command)
        stock = apply(stock, events)
        answer = events[-1]
        assert isinstance(answer, Answered)
        answers.append(answer)
    return stock, answers


def test_cancelled_before_the_reservation_the_order_gets_no_stock() -> None:
    stock, (cancelled, reserve) = run(Cancel("o1"), RESERVE)
    assert cancelled.output == {"order_id": "o1", "released": []}
    assert (reserve.error, reserve.cause) == (ORDER_CANCELLED, "order o1 was cancelled")
    assert stock.items["TEE"].reserved == 0 and stock.cancelled


def test_cancelled_after_the_reservation_its_stock_is_released_once() -> None:
    stock = run(RESERVE)[0]
    events = decide(stock, Cancel("o1"))
    assert events[:2] == [
        OrderCancelled("o1"),
        StockReleased("o1", (ReservedLine(1, "TEE", 3), ReservedLine(2, "CAP", 1))),
    ]
    stock, (_, _, again, retried) = run(RESERVE, Cancel("o1"), Cancel("o1"), RESERVE)
    assert again.output == {"order_id": "o1", "released": []}
    assert retried.error == ORDER_CANCELLED
    assert stock.items["TEE"].reserved == 0 and stock.items["CAP"].reserved == 0


def test_a_cancelled_order_cannot_be_committed_to_shipping() -> None:
    stock, (_, _, commit) = run(RESERVE, Cancel("o1"), Commit("o1"))
    assert commit.error == ORDER_CANCELLED
    assert not stock.committed


def test_once_committed_the_order_can_no_longer_be_cancelled() -> None:
    stock, (_, committed, cancel) = run(RESERVE, Commit("o1"), Cancel("o1"))
    assert committed.output == {"order_id": "o1", "committed": True}
    assert cancel.error == ALREADY_SHIPPED and "refund it instead" in cancel.cause
    assert stock.items["TEE"].reserved == 3 and not stock.cancelled


def test_commit_is_answered_again_without_a_second_event() -> None:
    stock = run(RESERVE, Commit("o1"))[0]
    assert decide(stock, Commit("o1")) == [Answered({"order_id": "o1", "committed": True})]
    assert decide(Stock({"TEE": TEE}), Commit("o1"))[0].error == NOT_RESERVED  # type: ignore[union-attr]


def test_a_committed_order_released_by_its_own_compensation_may_be_cancelled() -> None:
    stock, answers = run(RESERVE, Commit("o1"), Release("o1"), Cancel("o1"))
    assert answers[-1].error is None and stock.cancelled
    assert stock.items["TEE"].reserved == 0


def test_a_refund_returns_its_lines_to_stock_once_and_never_more_than_held() -> None:
    refund = Restock("o1", "r1", (RestockedLine("TEE", 2), RestockedLine("MUG", 1)))
    stock = run(RESERVE, Commit("o1"))[0]
    events = decide(stock, refund)
    assert events[0] == StockRestocked("o1", "r1", (RestockedLine("TEE", 2),))
    stock, (_, _, first, again, more) = run(
        RESERVE, Commit("o1"), refund, refund, Restock("o1", "r2", (RestockedLine("TEE", 5),))
    )
    assert first.output["restocked"] == again.output["restocked"] == [{"sku": "TEE", "quantity": 2}]
    assert more.output["restocked"] == [{"sku": "TEE", "quantity": 1}]
    assert stock.items["TEE"].reserved == 0 and stock.items["TEE"].available == 10


def test_releasing_after_a_restock_gives_back_only_what_is_still_held() -> None:
    refund = Restock("o1", "r1", (RestockedLine("TEE", 2),))
    stock, answers = run(RESERVE, refund, Release("o1"))
    assert answers[-1].output["released"][0] == {
        "line": 1,
        "sku": "TEE",
        "quantity": 1,
        "backordered": 0,
    }
    assert stock.items["TEE"].reserved == 0 and stock.items["CAP"].reserved == 0


def test_a_cancelled_order_restocks_nothing_its_stock_is_already_back() -> None:
    stock, answers = run(RESERVE, Cancel("o1"), Restock("o1", "r1", (RestockedLine("TEE", 3),)))
    assert answers[-1].output["restocked"] == []
    assert stock.items["TEE"].available == 10


def test_a_restock_before_the_reservation_waits_for_it_unless_the_order_is_cancelled() -> None:
    early = Restock("o1", "r1", (RestockedLine("TEE", 1),))
    answers = run(early)[1]
    assert answers[-1].error == NOT_SHIPPED, "a refund may overtake its order: it waits"
    answers = run(early, RESERVE, Commit("o1"), early)[1]
    assert answers[-1].output["restocked"] == [{"sku": "TEE", "quantity": 1}]
    answers = run(Cancel("o1"), early)[1]
    assert answers[-1].error is None and answers[-1].output["restocked"] == []


def test_committing_records_the_fact() -> None:
    stock = run(RESERVE)[0]
    assert decide(stock, Commit("o1"))[0] == ReservationCommitted("o1")


def test_returned_goods_wait_until_the_order_has_shipped() -> None:
    returned = Restock("o1", "r1", (RestockedLine("TEE", 1),), returned=True)
    stock, answers = run(RESERVE, returned)
    assert answers[-1].error == NOT_SHIPPED
    assert stock.items["TEE"].reserved == 3, "nothing went back"
    stock, answers = run(RESERVE, Commit("o1"), returned)
    assert answers[-1].output["restocked"] == [{"sku": "TEE", "quantity": 1}]
    stock, answers = run(RESERVE, Release("o1"), returned)
    assert answers[-1].error is None, "released, it holds nothing to wait for"
