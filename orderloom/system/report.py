"""What a run did, in the words an operations manager uses: orders completed, cancelled,
failed and why, refunds made, whether the vendor's connection cap held, what the syncs
pushed, and which processes had to be restarted."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import psycopg

WORKFLOW = "OrderFulfillment"
SYNCS = {"InventorySync": "stock levels", "ProductSync": "products"}
CANCELLATION = "OrderCancellation"
REFUND = "OrderRefund"
CANCELLED_STATE = "OrderCancelled"
TOO_LATE = "Inventory.AlreadyShipped"
Outcomes = Counter[tuple[str, str, str, str]]
"""(workflow, status, error, state the execution is in) -> executions."""


def order_outcomes(dsn: str, since: datetime) -> Outcomes:
    """The order workflows' executions started since ``since``, by outcome."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT workflow, status, coalesce(error, ''), coalesce(current_state, ''), count(*)"
            " FROM executions WHERE workflow = ANY(%s) AND started_at >= %s GROUP BY 1, 2, 3, 4",
            ([WORKFLOW, CANCELLATION, REFUND], since),
        ).fetchall()
    return Counter({(str(w), str(s), str(e), str(at)): int(n) for w, s, e, at, n in rows})


def finished(outcomes: Outcomes) -> int:
    return sum(n for (_, status, _, _), n in outcomes.items() if status != "RUNNING")


def _of(outcomes: Outcomes, workflow: str) -> Counter[tuple[str, str, str]]:
    return Counter({(s, e, at): n for (w, s, e, at), n in outcomes.items() if w == workflow})


def _failed(outcomes: Counter[tuple[str, str, str]]) -> Counter[str]:
    return Counter({e: n for (s, e, _), n in outcomes.items() if s in ("FAILED", "TIMED_OUT")})


def sync_outcomes(dsn: str, since: datetime) -> dict[str, dict[str, int]]:
    """Per sync workflow, its runs started since ``since``: how many, how they ended, and
    how many storefront pushes the finished ones queued."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT workflow, status, count(*), coalesce(sum((output->>'queued')::bigint), 0)"
            " FROM executions WHERE workflow = ANY(%s) AND started_at >= %s GROUP BY 1, 2",
            (list(SYNCS), since),
        ).fetchall()
    syncs = {w: {"runs": 0, "succeeded": 0, "failed": 0, "running": 0, "queued": 0} for w in SYNCS}
    for workflow, status, n, queued in rows:
        counts = syncs[str(workflow)]
        kind = {"SUCCEEDED": "succeeded", "RUNNING": "running"}.get(str(status), "failed")
        counts["runs"] += int(n)
        counts[kind] += int(n)
        counts["queued"] += int(queued)
    return syncs


def syncs_done(syncs: dict[str, dict[str, int]]) -> bool:
    """Whether every sync has finished at least one run."""
    return all(s["runs"] > s["running"] for s in syncs.values())


def vendor_stats(url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{url}/stats", timeout=5).json()
    return stats


def reset_vendor_stats(url: str) -> None:
    """Count a simulated vendor's calls from now on (the run's orders, not its warm-up)."""
    httpx.post(f"{url}/control", json={"reset": True}, timeout=5).raise_for_status()


def summary(
    outcomes: Outcomes,
    sent: dict[str, Any],
    erp: dict[str, Any],
    storefront: dict[str, Any],
    syncs: dict[str, dict[str, int]],
    restarts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """``restarts`` are the supervisor's, per process. A fulfilment stopped by a
    cancellation succeeds in its ``OrderCancelled`` state: it counts as cancelled, neither
    completed nor failed."""
    orders, cancels, refunds = (_of(outcomes, w) for w in (WORKFLOW, CANCELLATION, REFUND))
    failed = _failed(orders)
    succeeded = Counter({at: n for (s, _, at), n in orders.items() if s == "SUCCEEDED"})
    cancels_failed, refunds_failed = _failed(cancels), _failed(refunds)
    return {
        "webhooks": {
            "sent": sent["sent"],
            "accepted": sent["accepted"],
            "rejected": sent["rejected"],
            "by_kind": sent["by_kind"],
        },
        "orders": {
            "completed": sum(succeeded.values()) - succeeded[CANCELLED_STATE],
            "cancelled": succeeded[CANCELLED_STATE],
            "failed": sum(failed.values()),
            "running": _running(orders),
            "failed_by_reason": dict(failed.most_common()),
        },
        "cancellations": {
            "requested": sum(cancels.values()),
            "done": sum(n for (s, _, _), n in cancels.items() if s == "SUCCEEDED"),
            "too_late": cancels_failed[TOO_LATE],
            "running": _running(cancels),
            "failed_by_reason": dict(cancels_failed.most_common()),
        },
        "refunds": {
            "requested": sum(refunds.values()),
            "made": sum(n for (s, _, _), n in refunds.items() if s == "SUCCEEDED"),
            "running": _running(refunds),
            "failed_by_reason": dict(refunds_failed.most_common()),
        },
        "erp": {
            "cap": erp.get("cap"),
            "max_concurrency": erp["max_concurrency"],
            "violations": erp["violations"],
            "duplicates": erp["duplicates"],
            "busy_seconds": erp.get("busy_seconds"),
            "first_start": erp.get("first_start"),
            "last_end": erp.get("last_end"),
        },
        "storefront": storefront,
        "syncs": syncs,
        "restarts": dict(restarts or {}),
    }


def _running(outcomes: Counter[tuple[str, str, str]]) -> int:
    return sum(n for (s, _, _), n in outcomes.items() if s == "RUNNING")


def explain(report: dict[str, Any], console_url: str) -> str:
    """The summary as a few plain lines, with where to look next."""
    orders, erp = report["orders"], report["erp"]
    cancels, refunds = report["cancellations"], report["refunds"]
    lines = [
        f"Webhooks: {report['webhooks']['accepted']} accepted, "
        f"{report['webhooks']['rejected']} refused (bad signature or no order id).",
        f"Orders: {orders['completed']} completed, {orders['cancelled']} cancelled, "
        f"{orders['failed']} failed, {orders['running']} still running.",
    ]
    lines += [f"  failed with {reason}: {n}" for reason, n in orders["failed_by_reason"].items()]
    lines += [
        f"Cancellations: {cancels['done']} of {cancels['requested']} done (stock released,"
        f" payment refunded, sales order cancelled), {cancels['too_late']} too late"
        " (already handed to the 3PL: refund instead).",
        f"Refunds: {refunds['made']} of {refunds['requested']} made.",
    ]
    lines += [
        f"  {kind} failed with {reason}: {n}"
        for kind, part in (("cancellation", cancels), ("refund", refunds))
        for reason, n in part["failed_by_reason"].items()
        if not (kind == "cancellation" and reason == TOO_LATE)
    ]
    lines += [
        f"ERP connections: at most {erp['max_concurrency']} at once (cap {erp['cap']}), "
        f"{erp['violations']} over the cap, {erp['duplicates']} repeated calls.",
    ]
    lines += [
        f"{workflow} runs: {s['runs']} ({s['succeeded']} succeeded, {s['failed']} failed, "
        f"{s['running']} running), {s['queued']} {SYNCS[workflow]} queued for the storefront."
        for workflow, s in report["syncs"].items()
    ]
    restarted = {name: n for name, n in report.get("restarts", {}).items() if n}
    lines.append(
        "Restarts: "
        + (", ".join(f"{name} {n}" for name, n in restarted.items()) or "none")
        + (" (why: .local/run/<name>.log)" if restarted else "")
    )
    shop = report["storefront"]
    lines += [
        f"Storefront: {shop['levels_set']} stock levels set, "
        f"{shop['products_updated']} products updated, {shop['captures']} payments"
        f" captured, {shop['duplicates']} repeated calls.",
        "",
        f"Look next: the console at {console_url}",
        "  (user admin, password in .local/run/admin-password)",
        "  orderloom executions list --status FAILED",
        "  orderloom executions list --workflow InventorySync",
        "  orderloom executions show <execution id> --history",
        "  orderloom executions redrive <execution id> --reason '...'",
    ]
    return "\n".join(lines)
