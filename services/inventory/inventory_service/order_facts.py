"""What the ledger knows of an order besides its reservation, in PostgreSQL: whether it
was cancelled or committed to shipping, and which refunds returned goods to stock.

Read and written in the caller's transaction, under the orders' locks (see ``ledger``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg import Cursor

from inventory_service.book import Facts
from inventory_service.model import Restocked, RestockedLine
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


def load(
    conn: Connection, order_ids: list[str]
) -> tuple[dict[str, Facts], dict[str, tuple[Restocked, ...]]]:
    """The orders' facts (for those that have any) and the refunds restocked, by order."""
    if not order_ids:
        return {}, {}
    facts: dict[str, Facts] = {
        order_id: (cancelled, committed)
        for order_id, cancelled, committed in conn.execute(
            "SELECT order_id, cancelled, committed FROM order_facts WHERE order_id = ANY(%b)",
            (order_ids,),
        )
    }
    lines: dict[str, dict[str, list[RestockedLine]]] = defaultdict(lambda: defaultdict(list))
    for order_id, refund_id, sku, quantity in conn.execute(
        "SELECT order_id, refund_id, sku, quantity FROM restocks WHERE order_id = ANY(%b)"
        " ORDER BY order_id, created_at, refund_id, sku",
        (order_ids,),
    ):
        lines[order_id][refund_id].append(RestockedLine(sku, quantity))
    restocks = {
        order_id: tuple(Restocked(refund_id, tuple(x)) for refund_id, x in refunds.items())
        for order_id, refunds in lines.items()
    }
    return facts, restocks


def save(
    cur: Cursor[Any],
    location: str,
    facts: dict[str, Facts],
    restocks: dict[str, list[Restocked]],
) -> None:
    cur.executemany(
        "INSERT INTO order_facts (order_id, cancelled, committed) VALUES (%s, %s, %s)"
        " ON CONFLICT (order_id) DO UPDATE SET cancelled = EXCLUDED.cancelled,"
        " committed = EXCLUDED.committed, updated_at = now()",
        [(order_id, cancelled, committed) for order_id, (cancelled, committed) in facts.items()],
    )
    cur.executemany(
        "INSERT INTO restocks (order_id, refund_id, sku, location, quantity)"
        " VALUES (%s, %s, %s, %s, %s)",
        [
            (order_id, r.refund_id, x.sku, location, x.quantity)
            for order_id, new in restocks.items()
            for r in new
            for x in r.lines
        ],
    )
