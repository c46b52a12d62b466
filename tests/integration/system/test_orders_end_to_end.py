"""1,000 orders through the whole system, as `make run` runs it, with a share of them
cancelled (some right after the order, racing its fulfilment) and a share refunded: every
good order completes or ends cancelled, every bad one fails at the right step with its
reason, and stock and payments reconcile exactly with the orders, cancellations and
refunds (no double reservation, capture or refund; nothing kept for a cancelled order);
meanwhile the scheduled inventory and product syncs run and their pushes reach the
storefront."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import psycopg

from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Vendors
from orderloom.system.main import run_system
from sim.storefront.followups import Followups

ORDERS = 1000


def test_a_thousand_orders_complete_cancel_or_fail_for_their_reason_and_reconcile(
    base_settings: OrderloomSettings,
) -> None:
    summary = run_system(
        base_settings,
        orders=ORDERS,
        rate=200,
        bad_share=0.1,
        followups=Followups(cancel_share=0.1, refund_share=0.1),
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
    )

    kinds = {
        kind: sum(statuses.values()) for kind, statuses in summary["webhooks"]["by_kind"].items()
    }
    followups = kinds["cancellation"] + kinds["refund"] + kinds.get("payment", 0)
    assert summary["webhooks"]["sent"] == ORDERS + followups
    assert summary["webhooks"]["rejected"] == kinds["bad_signature"] + kinds["missing_fields"]
    orders, cancels, refunds = summary["orders"], summary["cancellations"], summary["refunds"]
    assert orders["running"] == cancels["running"] == refunds["running"] == 0
    assert orders["completed"] + orders["cancelled"] == kinds["good"]
    reasons = {
        "Stock.UnknownSku": kinds.get("unknown_sku", 0),
        "Order.Voided": kinds.get("payment_declined", 0),
        "Order.Invalid": kinds.get("unusable", 0),
        "Order.MissingSku": kinds.get("no_sku", 0),
    }
    assert orders["failed_by_reason"] == {r: n for r, n in reasons.items() if n}
    assert cancels["requested"] == kinds["cancellation"]
    assert cancels["done"] == orders["cancelled"] > 0
    assert cancels["done"] + cancels["too_late"] == cancels["requested"]
    assert refunds["made"] == refunds["requested"] == kinds["refund"]
    assert (summary["erp"]["violations"], summary["erp"]["duplicates"]) == (0, 0)
    assert summary["erp"]["max_concurrency"] <= 25
    syncs, shop = summary["syncs"], summary["storefront"]
    assert all(s["succeeded"] >= 1 and s["failed"] == 0 for s in syncs.values()), syncs
    assert shop["levels_set"] + shop["products_updated"] >= sum(s["queued"] for s in syncs.values())

    with psycopg.connect(base_settings.postgres.dsn) as conn:
        runs = conn.execute(
            "SELECT workflow, execution_id, status, error, current_state, input"
            " FROM executions WHERE started_at >= %s",
            (datetime.fromisoformat(summary["since"]),),
        ).fetchall()
        ids = [r[1] for r in runs if r[0] == "OrderFulfillment"]
        reserved = _per_order(
            conn, "SELECT order_id, sum(quantity) FROM inventory.reservations WHERE active", ids
        )
        restocked = _per_order(
            conn, "SELECT order_id, sum(quantity) FROM inventory.restocks WHERE true", ids
        )
        captured = _per_order(
            conn,
            "SELECT order_id, sum(amount_cents) FROM billing.payment_operations"
            " WHERE kind = 'capture' AND status IN ('done', 'paid')",
            ids,
        )
        refunded = _per_order(
            conn,
            "SELECT order_id, sum(amount_cents) FROM billing.payment_operations"
            " WHERE kind = 'refund' AND status = 'done'",
            ids,
        )
        operations = conn.execute(
            "SELECT count(*), count(DISTINCT (order_id, kind, refund_id))"
            " FROM billing.payment_operations WHERE order_id = ANY(%s)",
            (ids,),
        ).fetchone()

    fulfilments = {r[1]: r for r in runs if r[0] == "OrderFulfillment"}
    completed = {i for i, r in fulfilments.items() if r[4] == "OrderCompleted"}
    stopped = {i for i, r in fulfilments.items() if r[4] == "OrderCancelled"}
    declined = {i for i, r in fulfilments.items() if r[3] == "Order.Voided"}
    cancelled = {
        r[5]["order_id"] for r in runs if r[0] == "OrderCancellation" and r[2] == "SUCCEEDED"
    }
    too_late = {r[5]["order_id"] for r in runs if r[0] == "OrderCancellation" and r[2] == "FAILED"}
    assert len(completed) + len(stopped) == kinds["good"]
    assert stopped == cancelled, "a cancellation that took effect stopped its fulfilment"
    assert too_late <= completed
    money_back: Counter[str] = Counter()
    goods_back: Counter[str] = Counter()
    for r in runs:
        if r[0] == "OrderRefund":
            money_back[r[5]["order_id"]] += r[5]["amount_cents"]
            goods_back[r[5]["order_id"]] += sum(x["quantity"] for x in r[5]["restock_lines"])
    assert set(money_back) <= completed

    for order_id in completed:
        lines = fulfilments[order_id][5]["lines"]
        assert reserved[order_id] == sum(x["quantity"] for x in lines), order_id
        assert restocked[order_id] == goods_back[order_id], order_id
        assert captured[order_id] == fulfilments[order_id][5]["total_cents"], order_id
        assert refunded[order_id] == money_back[order_id], order_id
    for order_id in stopped | declined:
        assert reserved[order_id] == 0, f"{order_id} keeps no stock"
        assert captured[order_id] == refunded[order_id], f"{order_id} keeps no money"
    assert operations is not None and operations[0] == operations[1]
    assert sum(captured.values()) - sum(refunded.values()) == sum(
        fulfilments[i][5]["total_cents"] for i in completed
    ) - sum(money_back.values())


def _per_order(
    conn: psycopg.Connection[tuple[object, ...]], query: str, ids: list[str]
) -> Counter[str]:
    rows = conn.execute(f"{query} AND order_id = ANY(%s) GROUP BY order_id", (ids,)).fetchall()
    return Counter({str(order_id): int(str(n)) for order_id, n in rows})
