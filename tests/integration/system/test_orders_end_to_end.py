"""1,000 orders through the whole system, as `make run` runs it: every good order completes,
every bad one fails at the right step with its reason, and stock and payments reconcile
exactly with the orders (no double reservation, no double capture); meanwhile the scheduled
inventory and product syncs run and their pushes reach the storefront."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import psycopg

from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Vendors
from orderloom.system.main import run_system

ORDERS = 1000


def test_a_thousand_orders_complete_or_fail_for_their_reason_and_reconcile(
    base_settings: OrderloomSettings,
) -> None:
    summary = run_system(
        base_settings,
        orders=ORDERS,
        rate=200,
        bad_share=0.1,
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
    )

    kinds = {
        kind: sum(statuses.values()) for kind, statuses in summary["webhooks"]["by_kind"].items()
    }
    assert summary["webhooks"]["sent"] == ORDERS
    assert summary["webhooks"]["rejected"] == kinds["bad_signature"] + kinds["missing_fields"]
    orders = summary["orders"]
    assert orders["running"] == 0
    assert orders["completed"] == kinds["good"]
    assert orders["failed_by_reason"] == {
        "Stock.UnknownSku": kinds["unknown_sku"],
        "Payment.Declined": kinds["payment_declined"],
    }
    assert (summary["erp"]["violations"], summary["erp"]["duplicates"]) == (0, 0)
    assert summary["erp"]["max_concurrency"] <= 25
    syncs, shop = summary["syncs"], summary["storefront"]
    assert all(s["succeeded"] >= 1 and s["failed"] == 0 for s in syncs.values()), syncs
    assert shop["levels_set"] + shop["products_updated"] >= sum(s["queued"] for s in syncs.values())

    with psycopg.connect(base_settings.postgres.dsn) as conn:
        runs = conn.execute(
            "SELECT execution_id, status, error, (input->>'total_cents')::bigint, input->'lines' "
            "FROM executions WHERE workflow = 'OrderFulfillment' AND started_at >= %s",
            (datetime.fromisoformat(summary["since"]),),
        ).fetchall()
        ids = [r[0] for r in runs]
        reserved: Counter[str] = Counter(
            dict(
                conn.execute(
                    "SELECT order_id, sum(quantity) FROM inventory.reservations "
                    "WHERE active AND order_id = ANY(%s) GROUP BY order_id",
                    (ids,),
                ).fetchall()
            )
        )
        captures = conn.execute(
            "SELECT order_id, amount_cents, count(*) OVER (PARTITION BY order_id) "
            "FROM billing.payment_operations WHERE kind = 'capture' AND status = 'done' "
            "AND order_id = ANY(%s)",
            (ids,),
        ).fetchall()

    completed = {r[0]: r for r in runs if r[1] == "SUCCEEDED"}
    declined = [r[0] for r in runs if r[2] == "Payment.Declined"]
    assert len(completed) == kinds["good"]
    for order_id, (_, _, _, _, lines) in completed.items():
        assert reserved[order_id] == sum(line["quantity"] for line in lines), order_id
    assert all(reserved[order_id] == 0 for order_id in declined), "declined orders keep no stock"
    assert {order_id for order_id, _, _ in captures} == set(completed)
    assert all(n == 1 for _, _, n in captures)
    assert sum(amount for _, amount, _ in captures) == sum(r[3] for r in completed.values())
