"""A batch's book: each command sees what the ones before it left, and only what changed
is written."""

from __future__ import annotations

from inventory_service.book import Book, locks, skus
from inventory_service.domain import apply, decide
from inventory_service.model import (
    ApplyLevels,
    Cancel,
    Command,
    Item,
    Level,
    Line,
    Release,
    Reservation,
    Reserve,
    ReservedLine,
)


def run(book: Book, *commands: Command) -> None:
    for command in commands:
        before = book.stock(command)
        book.put(command, apply(before, decide(before, command)))


def test_a_command_sees_what_the_ones_before_it_in_the_batch_did() -> None:
    book = Book({"TEE": Item("TEE", on_hand=3), "CAP": Item("CAP", on_hand=5)})
    run(
        book,
        Reserve("A", (Line("TEE", 2),)),
        Reserve("B", (Line("TEE", 2),)),  # one left: refused
        Release("A"),
        Reserve("C", (Line("TEE", 3),)),  # A's two are back: all three
    )
    assert book.items["TEE"].reserved == 3
    assert sorted(book.reservations) == ["A", "C"]
    assert not book.reservations["A"].active and book.reservations["C"].active
    assert [i.sku for i in book.changed_items()] == ["TEE"]
    assert [r.order_id for r in book.changed_reservations()] == ["A", "C"]


def test_nothing_changed_writes_nothing() -> None:
    held = Reservation("A", (ReservedLine(0, "TEE", 1),), active=False)
    book = Book({"TEE": Item("TEE", on_hand=3)}, {"A": held})
    run(book, Release("A"))  # already released
    assert book.changed_items() == [] and book.changed_reservations() == []
    assert book.changed_facts() == {} and book.new_restocks() == {}


def test_a_sync_sees_every_item_that_drifted_in_the_batch() -> None:
    book = Book(
        {"TEE": Item("TEE", on_hand=3, reported=3), "CAP": Item("CAP", on_hand=5, reported=5)}
    )
    run(book, Reserve("A", (Line("CAP", 1),)))
    stock = book.stock(ApplyLevels((Level("TEE", 3),)))
    assert sorted(stock.items) == ["CAP", "TEE"]


def test_locks_and_items_a_batch_needs() -> None:
    commands: list[Command] = [
        Reserve("B", (Line("TEE", 1),)),
        Cancel("A"),
        ApplyLevels((Level("CAP", 1),)),
    ]
    assert locks(commands) == ["inventory.order:A", "inventory.order:B", "inventory.sync"]
    held = {"A": Reservation("A", (ReservedLine(0, "MUG", 1),), active=True)}
    assert skus(commands, held) == ["CAP", "MUG", "TEE"]
