"""The stock ledger's vocabulary: what is held, what is asked, what happened. Pure data.

Available stock is on hand minus reserved. ``reported`` is the availability last pushed
to the storefront, so a sync can send only what changed since. An order's reservation is
``committed`` once it is handed over for shipping, after which it can no longer be
cancelled; refunds may return some of its goods to stock (``restocks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    sku: str
    on_hand: int = 0
    reserved: int = 0
    backorder: bool = False
    title: str = ""
    price_cents: int = 0
    reported: int | None = None

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class ReservedLine:
    """One order line held: ``backordered`` of ``quantity`` was beyond what was available."""

    line: int
    sku: str
    quantity: int
    backordered: int = 0


@dataclass(frozen=True)
class Reservation:
    order_id: str
    lines: tuple[ReservedLine, ...]
    active: bool


@dataclass(frozen=True)
class RestockedLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Restocked:
    """Goods of one refund back in stock: recorded per refund, so each returns once."""

    refund_id: str
    lines: tuple[RestockedLine, ...]


@dataclass(frozen=True)
class Stock:
    """What a command may touch: the items it names, the order's reservation, and what is
    known of the order (cancelled, committed to shipping, refunds restocked)."""

    items: dict[str, Item] = field(default_factory=dict)
    reservation: Reservation | None = None
    cancelled: bool = False
    committed: bool = False
    restocks: tuple[Restocked, ...] = ()


# Commands


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price_cents: int = 0


@dataclass(frozen=True)
class Reserve:
    order_id: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Release:
    order_id: str


@dataclass(frozen=True)
class Commit:
    """The order is about to be handed to the 3PL: from now on it cannot be cancelled."""

    order_id: str


@dataclass(frozen=True)
class Cancel:
    """The storefront cancelled the order: release what it holds, reserve nothing more."""

    order_id: str


@dataclass(frozen=True)
class Restock:
    """Return the goods of one refund to stock (at most what the order still holds);
    ``returned``: they come back from the customer, so they must have been shipped."""

    order_id: str
    refund_id: str
    lines: tuple[RestockedLine, ...]
    returned: bool = False


@dataclass(frozen=True)
class Level:
    sku: str
    on_hand: int


@dataclass(frozen=True)
class ApplyLevels:
    """On-hand counts from the ERP. The state must also hold every item whose
    availability differs from what was last reported."""

    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price_cents: int


@dataclass(frozen=True)
class ApplyProducts:
    products: tuple[Product, ...]


Command = Reserve | Release | Commit | Cancel | Restock | ApplyLevels | ApplyProducts


# Events


@dataclass(frozen=True)
class Shortage:
    sku: str
    requested: int
    available: int


@dataclass(frozen=True)
class StockReserved:
    order_id: str
    lines: tuple[ReservedLine, ...]


@dataclass(frozen=True)
class ReservationRejected:
    order_id: str
    error: str
    cause: str
    shortages: tuple[Shortage, ...] = ()
    unknown_skus: tuple[str, ...] = ()


@dataclass(frozen=True)
class StockReleased:
    order_id: str
    lines: tuple[ReservedLine, ...]


@dataclass(frozen=True)
class ReservationCommitted:
    order_id: str


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str


@dataclass(frozen=True)
class StockRestocked:
    order_id: str
    refund_id: str
    lines: tuple[RestockedLine, ...]


@dataclass(frozen=True)
class StockLevelChanged:
    sku: str
    on_hand: int
    previous_on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class AvailabilityReported:
    sku: str
    available: int


@dataclass(frozen=True)
class ProductChanged:
    sku: str
    title: str
    price_cents: int


@dataclass(frozen=True)
class Answered:
    """The command's answer to its caller: an output, or an error name and cause."""

    output: Any = None
    error: str | None = None
    cause: str = ""


Event = (
    StockReserved
    | ReservationRejected
    | StockReleased
    | ReservationCommitted
    | OrderCancelled
    | StockRestocked
    | StockLevelChanged
    | AvailabilityReported
    | ProductChanged
    | Answered
)
