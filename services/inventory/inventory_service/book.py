"""The part of the ledger a batch of commands touches, held in memory while the batch is
decided: as it was loaded, and as each command in turn leaves it, so a command sees what
the ones before it in the batch did. Pure: ``ledger`` loads it, locked, and saves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory_service.model import (
    ApplyLevels,
    ApplyProducts,
    Command,
    Item,
    Reservation,
    Reserve,
    Restocked,
    Stock,
)

Facts = tuple[bool, bool]
"""What is known of an order besides its reservation: (cancelled, committed)."""

NO_FACTS: Facts = (False, False)
Sync = ApplyLevels | ApplyProducts
SYNC_LOCK = "inventory.sync"


def order_lock(order_id: str) -> str:
    return f"inventory.order:{order_id}"


def locks(commands: list[Command]) -> list[str]:
    """The named locks the commands need: their orders', and the sync's for a sync."""
    names = {SYNC_LOCK if isinstance(c, Sync) else order_lock(c.order_id) for c in commands}
    return sorted(names)


def order_ids(commands: list[Command]) -> list[str]:
    return sorted({c.order_id for c in commands if not isinstance(c, Sync)})


def skus(commands: list[Command], reservations: dict[str, Reservation]) -> list[str]:
    """The items the commands name or their orders hold."""
    wanted = {x.sku for r in reservations.values() for x in r.lines}
    for c in commands:
        if isinstance(c, Reserve):
            wanted |= {x.sku for x in c.lines}
        elif isinstance(c, ApplyLevels):
            wanted |= {x.sku for x in c.levels}
        elif isinstance(c, ApplyProducts):
            wanted |= {x.sku for x in c.products}
    return sorted(wanted)


def needs_every_item(commands: list[Command]) -> bool:
    """A stock-level sync must see every item whose availability drifted from the report."""
    return any(isinstance(c, ApplyLevels) for c in commands)


@dataclass
class Book:
    """Items by SKU, and per order its reservation, facts and restocks."""

    items: dict[str, Item]
    reservations: dict[str, Reservation] = field(default_factory=dict)
    facts: dict[str, Facts] = field(default_factory=dict)
    restocks: dict[str, tuple[Restocked, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._loaded = _Loaded(
            dict(self.items), dict(self.reservations), dict(self.facts), dict(self.restocks)
        )

    def stock(self, command: Command) -> Stock:
        """What ``command`` may touch, as the batch has left it so far."""
        match command:
            case ApplyLevels():
                named = {x.sku for x in command.levels}
                return Stock(
                    {
                        sku: item
                        for sku, item in self.items.items()
                        if sku in named or item.reported != item.available
                    }
                )
            case ApplyProducts():
                return Stock(self._items({x.sku for x in command.products}))
        order_id = command.order_id
        reservation = self.reservations.get(order_id)
        named = {x.sku for x in command.lines} if isinstance(command, Reserve) else set()
        if reservation is not None:
            named |= {x.sku for x in reservation.lines}
        cancelled, committed = self.facts.get(order_id, NO_FACTS)
        return Stock(
            self._items(named),
            reservation,
            cancelled=cancelled,
            committed=committed,
            restocks=self.restocks.get(order_id, ()),
        )

    def put(self, command: Command, after: Stock) -> None:
        """Take in what ``command`` left: the next command reads it."""
        self.items.update(after.items)
        if isinstance(command, Sync):
            return
        order_id = command.order_id
        if after.reservation is not None:
            self.reservations[order_id] = after.reservation
        self.facts[order_id] = (after.cancelled, after.committed)
        self.restocks[order_id] = after.restocks

    def changed_items(self) -> list[Item]:
        return [i for sku, i in sorted(self.items.items()) if self._loaded.items.get(sku) != i]

    def changed_reservations(self) -> list[Reservation]:
        return [
            r
            for order_id, r in sorted(self.reservations.items())
            if self._loaded.reservations.get(order_id) != r
        ]

    def changed_facts(self) -> dict[str, Facts]:
        return {
            order_id: facts
            for order_id, facts in sorted(self.facts.items())
            if self._loaded.facts.get(order_id, NO_FACTS) != facts
        }

    def new_restocks(self) -> dict[str, list[Restocked]]:
        new: dict[str, list[Restocked]] = {}
        for order_id, restocks in sorted(self.restocks.items()):
            before = self._loaded.restocks.get(order_id, ())
            if fresh := [r for r in restocks if r not in before]:
                new[order_id] = fresh
        return new

    def _items(self, skus: set[str]) -> dict[str, Item]:
        return {sku: self.items[sku] for sku in sorted(skus) if sku in self.items}


@dataclass(frozen=True)
class _Loaded:
    items: dict[str, Item]
    reservations: dict[str, Reservation]
    facts: dict[str, Facts]
    restocks: dict[str, tuple[Restocked, ...]]
