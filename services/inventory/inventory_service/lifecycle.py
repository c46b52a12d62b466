"""An order's reservation after it is made: committed to shipping, cancelled, restocked.

A cancellation is kept as a fact, so the order of events does not matter: cancelled
before its reservation, the order is refused stock; cancelled after, its stock is
released; cancelled once it is committed to shipping, the cancellation is refused (the
goods are on their way: refund them instead). A refund returns at most what the order
still holds, once per refund; goods the customer returns cannot come back before they
left: such a refund waits (``Inventory.NotShipped``, retried) while the order's
reservation is held and not yet committed to shipping.
"""

from __future__ import annotations

from collections import Counter

from inventory_service.model import (
    Answered,
    Cancel,
    Commit,
    Event,
    OrderCancelled,
    ReservationCommitted,
    ReservedLine,
    Restock,
    RestockedLine,
    Stock,
    StockReleased,
    StockRestocked,
)

ORDER_CANCELLED = "Inventory.OrderCancelled"
ALREADY_SHIPPED = "Inventory.AlreadyShipped"
NOT_RESERVED = "Inventory.NotReserved"
NOT_SHIPPED = "Inventory.NotShipped"


def cancelled(order_id: str) -> Answered:
    return Answered(error=ORDER_CANCELLED, cause=f"order {order_id} was cancelled")


def held_lines(stock: Stock) -> tuple[ReservedLine, ...]:
    """The order's reserved lines less what refunds returned to stock (none if released)."""
    held = stock.reservation
    if held is None or not held.active:
        return ()
    returned: Counter[str] = Counter()
    for restocked in stock.restocks:
        for back in restocked.lines:
            returned[back.sku] += back.quantity
    lines = []
    for x in held.lines:
        taken = min(x.quantity, returned[x.sku])
        returned[x.sku] -= taken
        if x.quantity > taken:
            lines.append(ReservedLine(x.line, x.sku, x.quantity - taken, x.backordered))
    return tuple(lines)


def released(order_id: str, lines: tuple[ReservedLine, ...]) -> dict[str, object]:
    return {
        "order_id": order_id,
        "released": [
            {"line": h.line, "sku": h.sku, "quantity": h.quantity, "backordered": h.backordered}
            for h in lines
        ],
    }


def commit(stock: Stock, command: Commit) -> list[Event]:
    if stock.cancelled:
        return [cancelled(command.order_id)]
    if not held_lines(stock):
        cause = f"order {command.order_id} holds no stock to ship"
        return [Answered(error=NOT_RESERVED, cause=cause)]
    answer = Answered({"order_id": command.order_id, "committed": True})
    return [answer] if stock.committed else [ReservationCommitted(command.order_id), answer]


def cancel(stock: Stock, command: Cancel) -> list[Event]:
    order_id, lines = command.order_id, held_lines(stock)
    if stock.cancelled:
        return [Answered(released(order_id, ()))]
    if stock.committed and lines:
        cause = f"order {order_id} was handed over for shipping; refund it instead"
        return [Answered(error=ALREADY_SHIPPED, cause=cause)]
    release = [StockReleased(order_id, lines)] if lines else []
    return [OrderCancelled(order_id), *release, Answered(released(order_id, lines))]


def restock(stock: Stock, command: Restock) -> list[Event]:
    done = next((r for r in stock.restocks if r.refund_id == command.refund_id), None)
    if done is not None:
        return [Answered(_restocked(command, done.lines))]
    reservation = stock.reservation
    if reservation is None and not stock.cancelled:
        cause = f"order {command.order_id} has no stock reserved yet: nothing to put back so far"
        return [Answered(error=NOT_SHIPPED, cause=cause)]
    waiting = reservation is not None and reservation.active and not stock.committed
    if command.returned and waiting:
        cause = f"order {command.order_id} is not shipped yet: its goods cannot be returned"
        return [Answered(error=NOT_SHIPPED, cause=cause)]
    left: Counter[str] = Counter()
    for held in held_lines(stock):
        left[held.sku] += held.quantity
    lines = []
    for wanted in command.lines:
        taken = min(wanted.quantity, left[wanted.sku])
        left[wanted.sku] -= taken
        if taken:
            lines.append(RestockedLine(wanted.sku, taken))
    answer = Answered(_restocked(command, tuple(lines)))
    if not lines:
        return [answer]
    return [StockRestocked(command.order_id, command.refund_id, tuple(lines)), answer]


def _restocked(command: Restock, lines: tuple[RestockedLine, ...]) -> dict[str, object]:
    return {
        "order_id": command.order_id,
        "refund_id": command.refund_id,
        "restocked": [{"sku": x.sku, "quantity": x.quantity} for x in lines],
    }
