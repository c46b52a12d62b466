"""What the ledger knows of an order besides its reservation, in PostgreSQL: whether it
was cancelled or committed to shipping, and which refunds returned goods to stock.

Read and written in the caller's transaction, under the order's lock (see ``ledger``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from inventory_service.model import Restocked, RestockedLine, Stock
from orderloom.outbox.migrations import Migration
from orderloom.outbox.store import Connection

MIGRATION: Migration = (
    2,
    "order cancellations, commitments and restocks",
    """
    CREATE TABLE order_facts (
        order_id   text PRIMARY KEY,
        cancelled  boolean NOT NULL DEFAULT false,
        committed  boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE restocks (
        order_id   text NOT NULL,
        refund_id  text NOT NULL,
        sku        text NOT NULL,
        location   text NOT NULL,
        quantity   bigint NOT NULL CHECK (quantity > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, refund_id, sku)
    );
    """,
)


def load(conn: Connection, order_id: str, stock: Stock) -> Stock:
    """``stock`` with the order's facts added."""
    row = conn.execute(
        "SELECT cancelled, committed FROM order_facts WHERE order_id = %s", (order_id,)
    ).fetchone()
    lines: dict[str, list[RestockedLine]] = defaultdict(list)
    for refund_id, sku, quantity in conn.execute(
        "SELECT refund_id, sku, quantity FROM restocks WHERE order_id = %s"
        " ORDER BY created_at, refund_id, sku",
        (order_id,),
    ).fetchall():
        lines[refund_id].append(RestockedLine(sku, quantity))
    restocks = tuple(Restocked(refund_id, tuple(x)) for refund_id, x in lines.items())
    cancelled, committed = row if row else (False, False)
    return replace(stock, cancelled=cancelled, committed=committed, restocks=restocks)


def save(conn: Connection, location: str, order_id: str, before: Stock, after: Stock) -> None:
    if (before.cancelled, before.committed) != (after.cancelled, after.committed):
        conn.execute(
            "INSERT INTO order_facts (order_id, cancelled, committed) VALUES (%s, %s, %s)"
            " ON CONFLICT (order_id) DO UPDATE SET cancelled = EXCLUDED.cancelled,"
            " committed = EXCLUDED.committed, updated_at = now()",
            (order_id, after.cancelled, after.committed),
        )
    new = [r for r in after.restocks if r not in before.restocks]
    conn.cursor().executemany(
        "INSERT INTO restocks (order_id, refund_id, sku, location, quantity)"
        " VALUES (%s, %s, %s, %s, %s)",
        [(order_id, r.refund_id, x.sku, location, x.quantity) for r in new for x in r.lines],
    )
