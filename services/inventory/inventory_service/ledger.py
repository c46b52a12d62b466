"""The stock ledger in PostgreSQL: items per location and SKU, reservations per order line.

``load`` locks what a command may change (the order, then its items in SKU order, so two
commands never wait on each other in a circle) and ``save`` writes what changed; both run
in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row

from inventory_service import order_facts
from inventory_service.model import (
    ApplyLevels,
    ApplyProducts,
    Cancel,
    Command,
    Commit,
    Item,
    Release,
    Reservation,
    Reserve,
    ReservedLine,
    Restock,
    Stock,
)
from orderloom.outbox.migrations import Migration, migrate
from orderloom.outbox.store import Connection

MIGRATIONS: list[Migration] = [
    (
        1,
        "stock ledger and reservations",
        """
        CREATE TABLE stock_items (
            location    text NOT NULL,
            sku         text NOT NULL,
            on_hand     bigint NOT NULL,
            reserved    bigint NOT NULL CHECK (reserved >= 0),
            backorder   boolean NOT NULL DEFAULT false,
            title       text NOT NULL DEFAULT '',
            price_cents bigint NOT NULL DEFAULT 0,
            reported    bigint,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (location, sku)
        );
        CREATE TABLE reservations (
            order_id    text NOT NULL,
            line        integer NOT NULL,
            location    text NOT NULL,
            sku         text NOT NULL,
            quantity    bigint NOT NULL CHECK (quantity > 0),
            backordered bigint NOT NULL DEFAULT 0,
            active      boolean NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (order_id, line)
        );
        CREATE INDEX reservations_active_by_sku ON reservations (location, sku) WHERE active;
        """,
    ),
    order_facts.MIGRATION,
]
_ITEM_COLUMNS = "sku, on_hand, reserved, backorder, title, price_cents, reported"
_SYNC_LOCK = "inventory.sync"


def install(conn: Connection) -> None:
    migrate(conn, "inventory", MIGRATIONS)


def load(conn: Connection, location: str, command: Command) -> Stock:
    """The state ``command`` needs, locked until the transaction ends."""
    match command:
        case Reserve() | Release() | Commit() | Cancel() | Restock():
            _lock(conn, f"inventory.order:{command.order_id}")
            reservation = _reservation(conn, command.order_id)
            skus = {x.sku for x in command.lines} if isinstance(command, Reserve) else set()
            if reservation is not None:
                skus |= {x.sku for x in reservation.lines}
            stock = Stock(_items(conn, location, sorted(skus)), reservation)
            return order_facts.load(conn, command.order_id, stock)
        case ApplyLevels():
            _lock(conn, _SYNC_LOCK)
            levels = sorted(x.sku for x in command.levels)
            return Stock(_items(conn, location, levels, drifted=True))
        case ApplyProducts():
            _lock(conn, _SYNC_LOCK)
            return Stock(_items(conn, location, sorted(x.sku for x in command.products)))


def save(conn: Connection, location: str, command: Command, before: Stock, after: Stock) -> None:
    changed = [i for sku, i in after.items.items() if before.items.get(sku) != i]
    if changed:
        conn.cursor().executemany(
            f"INSERT INTO stock_items (location, {_ITEM_COLUMNS})"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (location, sku) DO UPDATE"
            " SET on_hand = EXCLUDED.on_hand,"
            " reserved = EXCLUDED.reserved, title = EXCLUDED.title,"
            " price_cents = EXCLUDED.price_cents, reported = EXCLUDED.reported,"
            " updated_at = now()",
            [
                (
                    location,
                    i.sku,
                    i.on_hand,
                    i.reserved,
                    i.backorder,
                    i.title,
                    i.price_cents,
                    i.reported,
                )
                for i in changed
            ],
        )
    held = after.reservation
    if held is not None and held != before.reservation:
        conn.cursor().executemany(
            "INSERT INTO reservations"
            " (order_id, line, location, sku, quantity, backordered, active)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (order_id, line) DO UPDATE SET sku = EXCLUDED.sku,"
            " quantity = EXCLUDED.quantity, backordered = EXCLUDED.backordered,"
            " active = EXCLUDED.active, updated_at = now()",
            [
                (held.order_id, x.line, location, x.sku, x.quantity, x.backordered, held.active)
                for x in held.lines
            ],
        )
    if isinstance(command, Reserve | Release | Commit | Cancel | Restock):
        order_facts.save(conn, location, command.order_id, before, after)


def seed(conn: Connection, location: str, products: list[dict[str, Any]]) -> int:
    """Restock to the catalogue: available back to its level (on hand = what is reserved
    plus the catalogue's stock), title, price and backorder set; reservations are kept."""
    with conn.transaction():
        conn.cursor().executemany(
            "INSERT INTO stock_items"
            " (location, sku, on_hand, reserved, backorder, title, price_cents)"
            " VALUES (%s, %s, %s, 0, %s, %s, %s)"
            " ON CONFLICT (location, sku) DO UPDATE"
            " SET on_hand = stock_items.reserved + EXCLUDED.on_hand,"
            " backorder = EXCLUDED.backorder, title = EXCLUDED.title,"
            " price_cents = EXCLUDED.price_cents, updated_at = now()",
            [
                (
                    location,
                    p["sku"],
                    p["initial_stock"],
                    p["backorder"],
                    p["title"],
                    p["price_cents"],
                )
                for p in products
            ],
        )
    return len(products)


def stock_report(conn: Connection, location: str) -> list[dict[str, Any]]:
    """Every item of a location with its availability, by SKU."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT sku, title, on_hand, reserved, on_hand - reserved AS available, backorder"
            " FROM stock_items WHERE location = %s ORDER BY sku",
            (location,),
        ).fetchall()


def _lock(conn: Connection, name: str) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


def _items(
    conn: Connection, location: str, skus: list[str], *, drifted: bool = False
) -> dict[str, Item]:
    where = "sku = ANY(%s)"
    if drifted:
        where += " OR reported IS DISTINCT FROM on_hand - reserved"
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS} FROM stock_items WHERE location = %s AND ({where})"
        " ORDER BY sku FOR UPDATE",
        (location, skus),
    ).fetchall()
    return {r[0]: Item(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}


def _reservation(conn: Connection, order_id: str) -> Reservation | None:
    rows = conn.execute(
        "SELECT line, sku, quantity, backordered, active FROM reservations"
        " WHERE order_id = %s ORDER BY line",
        (order_id,),
    ).fetchall()
    active = [r for r in rows if r[4]]
    chosen = active or rows
    if not chosen:
        return None
    lines = tuple(ReservedLine(r[0], r[1], r[2], r[3]) for r in chosen)
    return Reservation(order_id, lines, active=bool(active))
