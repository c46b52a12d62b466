"""Billing's records in PostgreSQL: one row per order and operation (its idempotency
record, with the tasks waiting on it; refunds named by ``refund_id``; a capture awaiting
the storefront's payment keeps its waiters here), the invoices, the cancelled orders and
the storefront's last reported financial status. Callers hold the transaction."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from billing_service.model import CAPTURE, REFUND, Operation, Payment, Status, Waiter
from orderloom.outbox import store
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
    (
        3,
        "payments the storefront holds, its reported financial status",
        """
        ALTER TABLE payment_operations ADD COLUMN method text NOT NULL DEFAULT 'provider';
        ALTER TABLE payment_operations ADD COLUMN storefront_order_id bigint;
        ALTER TABLE payment_operations ADD COLUMN authorization_id bigint;
        CREATE TABLE storefront_reports (
            order_id         text PRIMARY KEY,
            financial_status text NOT NULL,
            authorization_id bigint,
            reported_at      timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
]
_COLUMNS = (
    "kind, order_id, amount_cents, currency, status, request_id, attempt, generation,"
    " deadline_ms, payment_token, reference, error, cause, waiters, refund_id, method,"
    " storefront_order_id, authorization_id"
)


def install(conn: Connection) -> None:
    migrate(conn, "billing", MIGRATIONS)


def load(conn: Connection, order_ids: list[str]) -> dict[str, Payment]:
    """The orders' payments, locked (even before their first row exists) until commit;
    the locks are taken in the order of their keys, so batches never wait in a circle."""
    store.lock_all(conn, [f"billing.order:{order_id}" for order_id in order_ids])
    ops: dict[str, list[Operation]] = {order_id: [] for order_id in order_ids}
    for r in conn.execute(
        f"SELECT {_COLUMNS} FROM payment_operations WHERE order_id = ANY(%b)", (order_ids,)
    ):
        ops[r[1]].append(_operation(r))
    invoices: dict[str, str] = dict(
        conn.execute(
            "SELECT order_id, invoice_id FROM invoices WHERE order_id = ANY(%b)", (order_ids,)
        ).fetchall()
    )
    cancelled = {
        r[0]
        for r in conn.execute(
            "SELECT order_id FROM cancelled_orders WHERE order_id = ANY(%b)", (order_ids,)
        )
    }
    reports: dict[str, tuple[str, int | None]] = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT order_id, financial_status, authorization_id FROM storefront_reports"
            " WHERE order_id = ANY(%b)",
            (order_ids,),
        )
    }
    return {
        order_id: Payment(
            order_id,
            next((op for op in found if op.kind == CAPTURE), None),
            tuple(sorted((op for op in found if op.kind == REFUND), key=lambda op: op.refund_id)),
            invoices.get(order_id),
            order_id in cancelled,
            *reports.get(order_id, (None, None)),
        )
        for order_id, found in ops.items()
    }


def save(conn: Connection, before: dict[str, Payment], after: dict[str, Payment]) -> None:
    """Write what changed from ``before`` to ``after``, in one round trip."""
    cancelled, operations, invoices, reports = [], [], [], []
    for order_id, now in after.items():
        was = before[order_id]
        if now.cancelled and not was.cancelled:
            cancelled.append((order_id,))
        reported = (now.reported, now.reported_authorization)
        if now.reported is not None and reported != (was.reported, was.reported_authorization):
            reports.append((order_id, *reported))
        for op in (now.capture, *now.refunds):
            if op is not None and op != was.operation(op.kind, op.refund_id):
                operations.append(_row(op))
        if now.invoice_id is not None and was.invoice_id is None and now.capture:
            invoices.append(
                (now.invoice_id, order_id, now.capture.amount_cents, now.capture.currency)
            )
    with conn.pipeline(), conn.cursor() as cur:
        cur.executemany("INSERT INTO cancelled_orders (order_id) VALUES (%s)", cancelled)
        cur.executemany(
            f"INSERT INTO payment_operations ({_COLUMNS})"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (order_id, kind, refund_id) DO UPDATE SET status = EXCLUDED.status,"
            " amount_cents = EXCLUDED.amount_cents, currency = EXCLUDED.currency,"
            " request_id = EXCLUDED.request_id, attempt = EXCLUDED.attempt,"
            " generation = EXCLUDED.generation, deadline_ms = EXCLUDED.deadline_ms,"
            " payment_token = EXCLUDED.payment_token, reference = EXCLUDED.reference,"
            " error = EXCLUDED.error, cause = EXCLUDED.cause, waiters = EXCLUDED.waiters,"
            " method = EXCLUDED.method, storefront_order_id = EXCLUDED.storefront_order_id,"
            " authorization_id = EXCLUDED.authorization_id, updated_at = now()",
            operations,
        )
        cur.executemany(
            "INSERT INTO storefront_reports (order_id, financial_status, authorization_id)"
            " VALUES (%s, %s, %s) ON CONFLICT (order_id) DO UPDATE SET"
            " financial_status = EXCLUDED.financial_status,"
            " authorization_id = EXCLUDED.authorization_id, reported_at = now()",
            reports,
        )
        cur.executemany(
            "INSERT INTO invoices (invoice_id, order_id, amount_cents, currency)"
            " VALUES (%s, %s, %s, %s)",
            invoices,
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
        op.method,
        op.storefront_order_id,
        op.authorization_id,
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
        method=r[15],
        storefront_order_id=r[16],
        authorization_id=r[17],
    )
