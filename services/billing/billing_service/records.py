"""Billing's records in PostgreSQL: one row per order and operation (its idempotency
record, with the tasks waiting on it; refunds named by ``refund_id``), the invoices and
the cancelled orders. Callers hold the transaction."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from billing_service.model import CAPTURE, REFUND, Operation, Payment, Status, Waiter
from orderloom.outbox.migrations import Migration, migrate
from orderloom.outbox.store import Connection

MIGRATIONS: list[Migration] = [
    (
        1,
        "payment operations and invoices",
        """
        CREATE TABLE payment_operations (
            order_id      text NOT NULL,
            kind          text NOT NULL CHECK (kind IN ('capture', 'refund')),
            status        text NOT NULL,
            amount_cents  bigint NOT NULL,
            currency      text NOT NULL,
            request_id    text NOT NULL,
            attempt       integer NOT NULL,
            generation    integer NOT NULL,
            deadline_ms   bigint NOT NULL,
            payment_token text,
            reference     text,
            error         text,
            cause         text NOT NULL DEFAULT '',
            waiters       jsonb NOT NULL DEFAULT '[]',
            created_at    timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (order_id, kind)
        );
        CREATE TABLE invoices (
            invoice_id   text PRIMARY KEY,
            order_id     text NOT NULL UNIQUE,
            amount_cents bigint NOT NULL,
            currency     text NOT NULL,
            issued_at    timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        2,
        "several refunds per order, cancelled orders",
        """
        ALTER TABLE payment_operations ADD COLUMN refund_id text NOT NULL DEFAULT '';
        ALTER TABLE payment_operations DROP CONSTRAINT payment_operations_pkey;
        ALTER TABLE payment_operations ADD PRIMARY KEY (order_id, kind, refund_id);
        CREATE TABLE cancelled_orders (
            order_id     text PRIMARY KEY,
            cancelled_at timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
]
_COLUMNS = (
    "kind, order_id, amount_cents, currency, status, request_id, attempt, generation,"
    " deadline_ms, payment_token, reference, error, cause, waiters, refund_id"
)


def install(conn: Connection) -> None:
    migrate(conn, "billing", MIGRATIONS)


def load(conn: Connection, order_id: str) -> Payment:
    """An order's payment, locked (even before its first row exists) until commit."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"billing.order:{order_id}",))
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM payment_operations WHERE order_id = %s", (order_id,)
    ).fetchall()
    ops = [_operation(r) for r in rows]
    invoice = conn.execute("SELECT invoice_id FROM invoices WHERE order_id = %s", (order_id,))
    found = invoice.fetchone()
    cancelled = conn.execute("SELECT 1 FROM cancelled_orders WHERE order_id = %s", (order_id,))
    return Payment(
        order_id,
        next((op for op in ops if op.kind == CAPTURE), None),
        tuple(sorted((op for op in ops if op.kind == REFUND), key=lambda op: op.refund_id)),
        found[0] if found else None,
        cancelled.fetchone() is not None,
    )


def save(conn: Connection, before: Payment, after: Payment) -> None:
    if after.cancelled and not before.cancelled:
        conn.execute("INSERT INTO cancelled_orders (order_id) VALUES (%s)", (after.order_id,))
    for op in (after.capture, *after.refunds):
        if op is not None and op != before.operation(op.kind, op.refund_id):
            conn.execute(
                f"INSERT INTO payment_operations ({_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (order_id, kind, refund_id) DO UPDATE SET status = EXCLUDED.status,"
                " amount_cents = EXCLUDED.amount_cents, currency = EXCLUDED.currency,"
                " request_id = EXCLUDED.request_id, attempt = EXCLUDED.attempt,"
                " generation = EXCLUDED.generation, deadline_ms = EXCLUDED.deadline_ms,"
                " payment_token = EXCLUDED.payment_token, reference = EXCLUDED.reference,"
                " error = EXCLUDED.error, cause = EXCLUDED.cause, waiters = EXCLUDED.waiters,"
                " updated_at = now()",
                _row(op),
            )
    if after.invoice_id is not None and before.invoice_id is None and after.capture:
        conn.execute(
            "INSERT INTO invoices (invoice_id, order_id, amount_cents, currency)"
            " VALUES (%s, %s, %s, %s)",
            (after.invoice_id, after.order_id, after.capture.amount_cents, after.capture.currency),
        )


def captures_report(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The latest captures, with their invoice and what of them is refunded."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT c.order_id, c.status, c.amount_cents, c.currency, c.reference AS capture_id,"
            " c.attempt, c.error, i.invoice_id, c.updated_at,"
            " (SELECT sum(r.amount_cents) FROM payment_operations r WHERE r.order_id = c.order_id"
            "  AND r.kind = 'refund' AND r.status = 'done') AS refunded_cents"
            " FROM payment_operations c"
            " LEFT JOIN invoices i ON i.order_id = c.order_id"
            " WHERE c.kind = 'capture' ORDER BY c.updated_at DESC, c.order_id LIMIT %s",
            (limit,),
        ).fetchall()


def _row(op: Operation) -> tuple[object, ...]:
    return (
        op.kind,
        op.order_id,
        op.amount_cents,
        op.currency,
        op.status.value,
        op.request_id,
        op.attempt,
        op.generation,
        op.deadline_ms,
        op.payment_token,
        op.reference,
        op.error,
        op.cause,
        Jsonb([asdict(w) for w in op.waiters]),
        op.refund_id,
    )


def _operation(r: tuple[Any, ...]) -> Operation:
    return Operation(
        kind=r[0],
        order_id=r[1],
        amount_cents=r[2],
        currency=r[3],
        status=Status(r[4]),
        request_id=r[5],
        attempt=r[6],
        generation=r[7],
        deadline_ms=r[8],
        payment_token=r[9],
        reference=r[10],
        error=r[11],
        cause=r[12],
        waiters=tuple(Waiter(**w) for w in r[13]),
        refund_id=r[14],
    )
