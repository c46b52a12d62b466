"""The ledger's rules: ``decide(stock, command) -> events`` and ``evolve(stock, event)``.

A reservation takes all of an order's lines or none; an item without backorders never
goes below zero available through a reservation. Reserving an order that already holds
the same lines returns that reservation; releasing frees an order's lines once. What
happens to a reservation later (commit, cancel, restock) is in ``lifecycle``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import reduce

from inventory_service import lifecycle
from inventory_service.model import (
    Answered,
    ApplyLevels,
    ApplyProducts,
    AvailabilityReported,
    Cancel,
    Command,
    Commit,
    Event,
    Item,
    OrderCancelled,
    ProductChanged,
    Release,
    Reservation,
    ReservationCommitted,
    ReservationRejected,
    Reserve,
    ReservedLine,
    Restock,
    Restocked,
    Shortage,
    Stock,
    StockLevelChanged,
    StockReleased,
    StockReserved,
    StockRestocked,
)

OUT_OF_STOCK = "Stock.OutOfStock"
UNKNOWN_SKU = "Stock.UnknownSku"
CONFLICT = "Stock.ReservationConflict"


def decide(stock: Stock, command: Command) -> list[Event]:
    match command:
        case Reserve():
            return _reserve(stock, command)
        case Release():
            return _release(stock, command)
        case Commit():
            return lifecycle.commit(stock, command)
        case Cancel():
            return lifecycle.cancel(stock, command)
        case Restock():
            return lifecycle.restock(stock, command)
        case ApplyLevels():
            return _apply_levels(stock, command)
        case ApplyProducts():
            return _apply_products(stock, command)


def evolve(stock: Stock, event: Event) -> Stock:
    items = stock.items
    match event:
        case StockReserved():
            moved = _move(items, event.lines, +1)
            held = Reservation(event.order_id, event.lines, active=True)
            return replace(stock, items=moved, reservation=held)
        case StockReleased():
            moved = _move(items, event.lines, -1)
            assert stock.reservation is not None
            return replace(stock, items=moved, reservation=replace(stock.reservation, active=False))
        case ReservationCommitted():
            return replace(stock, committed=True)
        case OrderCancelled():
            return replace(stock, cancelled=True)
        case StockRestocked():
            returned = tuple(ReservedLine(0, x.sku, x.quantity) for x in event.lines)
            restocks = (*stock.restocks, Restocked(event.refund_id, event.lines))
            return replace(stock, items=_move(items, returned, -1), restocks=restocks)
        case StockLevelChanged():
            item = items.get(event.sku, Item(event.sku))
            return replace(stock, items={**items, event.sku: replace(item, on_hand=event.on_hand)})
        case AvailabilityReported():
            item = replace(items[event.sku], reported=event.available)
            return replace(stock, items={**items, event.sku: item})
        case ProductChanged():
            item = replace(
                items.get(event.sku, Item(event.sku)),
                title=event.title,
                price_cents=event.price_cents,
            )
            return replace(stock, items={**items, event.sku: item})
        case ReservationRejected() | Answered():
            return stock


def apply(stock: Stock, events: list[Event]) -> Stock:
    return reduce(evolve, events, stock)


def reservation_output(order_id: str, lines: tuple[ReservedLine, ...]) -> dict[str, object]:
    return {"order_id": order_id, "lines": _lines_output(lines)}


def _lines_output(lines: tuple[ReservedLine, ...]) -> list[dict[str, object]]:
    return [
        {"line": x.line, "sku": x.sku, "quantity": x.quantity, "backordered": x.backordered}
        for x in lines
    ]


def _reserve(stock: Stock, command: Reserve) -> list[Event]:
    order_id, held = command.order_id, _held(stock, command.order_id)
    if stock.cancelled:
        return [lifecycle.cancelled(order_id)]
    if held is not None and held.active:
        if [(x.sku, x.quantity) for x in held.lines] == [
            (x.sku, x.quantity) for x in command.lines
        ]:
            return [Answered(reservation_output(order_id, held.lines))]
        return [Answered(error=CONFLICT, cause=f"order {order_id} already holds other lines")]
    unknown = tuple(sorted({x.sku for x in command.lines} - stock.items.keys()))
    if unknown:
        cause = "unknown SKUs: " + ", ".join(unknown)
        return [
            ReservationRejected(order_id, UNKNOWN_SKU, cause, unknown_skus=unknown),
            Answered(error=UNKNOWN_SKU, cause=cause),
        ]
    wanted: Counter[str] = Counter()
    for x in command.lines:
        wanted[x.sku] += x.quantity
    shortages = tuple(
        Shortage(sku, qty, max(stock.items[sku].available, 0))
        for sku, qty in sorted(wanted.items())
        if not stock.items[sku].backorder and qty > stock.items[sku].available
    )
    if shortages:
        cause = "not enough stock: " + ", ".join(
            f"{s.sku} wants {s.requested}, {s.available} available" for s in shortages
        )
        return [
            ReservationRejected(order_id, OUT_OF_STOCK, cause, shortages=shortages),
            Answered(error=OUT_OF_STOCK, cause=cause),
        ]
    left = {sku: max(stock.items[sku].available, 0) for sku in wanted}
    lines: list[ReservedLine] = []
    for n, x in enumerate(command.lines, start=1):
        covered = min(x.quantity, left[x.sku])
        left[x.sku] -= covered
        lines.append(ReservedLine(n, x.sku, x.quantity, x.quantity - covered))
    reserved = tuple(lines)
    return [StockReserved(order_id, reserved), Answered(reservation_output(order_id, reserved))]


def _release(stock: Stock, command: Release) -> list[Event]:
    lines = lifecycle.held_lines(stock)
    answer = Answered(lifecycle.released(command.order_id, lines))
    held = _held(stock, command.order_id)
    if held is None or not held.active:
        return [answer]
    return [StockReleased(command.order_id, lines), answer]


def _apply_levels(stock: Stock, command: ApplyLevels) -> list[Event]:
    events: list[Event] = []
    for level in command.levels:
        item = stock.items.get(level.sku, Item(level.sku))
        if level.sku not in stock.items or item.on_hand != level.on_hand:
            events.append(StockLevelChanged(level.sku, level.on_hand, item.on_hand, item.reserved))
    after = apply(stock, events)
    drifted = [
        AvailabilityReported(i.sku, i.available)
        for i in sorted(after.items.values(), key=lambda i: i.sku)
        if i.reported != i.available
    ]
    changed = [{"sku": e.sku, "available": e.available} for e in drifted]
    return [*events, *drifted, Answered({"changed": changed})]


def _apply_products(stock: Stock, command: ApplyProducts) -> list[Event]:
    events: list[Event] = []
    for p in command.products:
        item = stock.items.get(p.sku)
        if item is None or (item.title, item.price_cents) != (p.title, p.price_cents):
            events.append(ProductChanged(p.sku, p.title, p.price_cents))
    changed = [
        {"sku": e.sku, "title": e.title, "price_cents": e.price_cents}
        for e in events
        if isinstance(e, ProductChanged)
    ]
    return [*events, Answered({"changed": changed})]


def _held(stock: Stock, order_id: str) -> Reservation | None:
    held = stock.reservation
    return held if held is not None and held.order_id == order_id else None


def _move(items: dict[str, Item], lines: tuple[ReservedLine, ...], sign: int) -> dict[str, Item]:
    moved = dict(items)
    for x in lines:
        item = moved[x.sku]
        moved[x.sku] = replace(item, reserved=item.reserved + sign * x.quantity)
    return moved
