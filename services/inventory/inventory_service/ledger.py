"""The stock ledger in PostgreSQL: items per location and SKU, reservations per order line.

``load`` locks and reads what a batch of commands may change, in a few statements whatever
the batch's size, and ``save`` writes what the batch changed; both run in the caller's
transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg.rows import dict_row

from inventory_service import book, order_facts
from inventory_service.book import Book
from inventory_service.model import Command, Item, Reservation, ReservedLine
from orderloom.outbox import store
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
    (
        3,
        "each item's storefront variant and product, to find lines sent without SKU",
        """
        ALTER TABLE stock_items ADD COLUMN variant_id bigint;
        ALTER TABLE stock_items ADD COLUMN product_id bigint;
        CREATE INDEX stock_items_by_variant ON stock_items (location, variant_id);
        CREATE INDEX stock_items_by_product ON stock_items (location, product_id);
        """,
    ),
]
_ITEM_COLUMNS = "sku, on_hand, reserved, backorder, title, price_cents, reported"


def install(conn: Connection) -> None:
    migrate(conn, "inventory", MIGRATIONS)


def load(conn: Connection, location: str, commands: list[Command]) -> Book:
    """The state ``commands`` need, locked until the transaction ends: the named locks
    first (orders, or the sync), then the items in SKU order, so two transactions never
    wait on each other in a circle."""
    store.lock_all(conn, book.locks(commands))
    orders = book.order_ids(commands)
    reservations = _reservations(conn, orders)
    skus = book.skus(commands, reservations)
    items = _items(conn, location, skus, every=book.needs_every_item(commands))
    facts, restocks = order_facts.load(conn, orders)
    return Book(items, reservations, facts, restocks)


def save(conn: Connection, location: str, changed: Book) -> None:
    """Write what the batch changed, in one round trip."""
    with conn.pipeline(), conn.cursor() as cur:
        cur.executemany(
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
                for i in changed.changed_items()
            ],
        )
        cur.executemany(
            "INSERT INTO reservations"
            " (order_id, line, location, sku, quantity, backordered, active)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (order_id, line) DO UPDATE SET sku = EXCLUDED.sku,"
            " quantity = EXCLUDED.quantity, backordered = EXCLUDED.backordered,"
            " active = EXCLUDED.active, updated_at = now()",
            [
                (r.order_id, x.line, location, x.sku, x.quantity, x.backordered, r.active)
                for r in changed.changed_reservations()
                for x in r.lines
            ],
        )
        order_facts.save(cur, location, changed.changed_facts(), changed.new_restocks())


def seed(conn: Connection, location: str, products: list[dict[str, Any]]) -> int:
    """Restock to the catalogue: available back to its level (on hand = what is reserved
    plus the catalogue's stock), title, price and backorder set; reservations are kept."""
    with conn.transaction():
        conn.cursor().executemany(
            "INSERT INTO stock_items (location, sku, on_hand, reserved, backorder, title,"
            " price_cents, variant_id, product_id) VALUES (%s, %s, %s, 0, %s, %s, %s, %s, %s)"
            " ON CONFLICT (location, sku) DO UPDATE"
            " SET on_hand = stock_items.reserved + EXCLUDED.on_hand,"
            " backorder = EXCLUDED.backorder, title = EXCLUDED.title,"
            " price_cents = EXCLUDED.price_cents, variant_id = EXCLUDED.variant_id,"
            " product_id = EXCLUDED.product_id, updated_at = now()",
            [
                (
                    location,
                    p["sku"],
                    p["initial_stock"],
                    p["backorder"],
                    p["title"],
                    p["price_cents"],
                    p.get("variant_id"),
                    p.get("product_id"),
                )
                for p in products
            ],
        )
    return len(products)


def catalogue(
    conn: Connection, location: str, variants: list[int], products: list[int]
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """The SKUs of these storefront variants, and of these products (several per product)."""
    by_variant: dict[int, str] = {}
    by_product: dict[int, list[str]] = defaultdict(list)
    if not variants and not products:
        return by_variant, {}
    for sku, variant, product in conn.execute(
        "SELECT sku, variant_id, product_id FROM stock_items WHERE location = %s"
        " AND (variant_id = ANY(%s::bigint[]) OR product_id = ANY(%s::bigint[])) ORDER BY sku",
        (location, variants, products),
    ):
        if variant in variants:
            by_variant[variant] = sku
        if product in products:
            by_product[product].append(sku)
    return by_variant, dict(by_product)


def stock_report(conn: Connection, location: str) -> list[dict[str, Any]]:
    """Every item of a location with its availability, by SKU."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT sku, title, on_hand, reserved, on_hand - reserved AS available, backorder"
            " FROM stock_items WHERE location = %s ORDER BY sku",
            (location,),
        ).fetchall()


def _items(conn: Connection, location: str, skus: list[str], *, every: bool) -> dict[str, Item]:
    where = "TRUE" if every else "sku = ANY(%(skus)b)"
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS} FROM stock_items WHERE location = %(location)s AND {where}"
        " ORDER BY sku FOR UPDATE",
        {"location": location, "skus": skus},
    ).fetchall()
    return {r[0]: Item(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}


def _reservations(conn: Connection, order_ids: list[str]) -> dict[str, Reservation]:
    """Each order's active lines, or all its lines if none is active."""
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    if order_ids:
        for r in conn.execute(
            "SELECT order_id, line, sku, quantity, backordered, active FROM reservations"
            " WHERE order_id = ANY(%b) ORDER BY order_id, line",
            (order_ids,),
        ):
            rows[r[0]].append(r[1:])
    found: dict[str, Reservation] = {}
    for order_id, lines in rows.items():
        active = [r for r in lines if r[4]]
        chosen = active or lines
        held = tuple(ReservedLine(r[0], r[1], r[2], r[3]) for r in chosen)
        found[order_id] = Reservation(order_id, held, active=bool(active))
    return found
