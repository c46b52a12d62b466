"""What a run did, in the words an operations manager uses: orders completed, orders
failed and why, whether the vendor's connection cap held, and what the syncs pushed."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import psycopg

WORKFLOW = "OrderFulfillment"
SYNCS = {"InventorySync": "stock levels", "ProductSync": "products"}


def order_outcomes(dsn: str, since: datetime) -> Counter[tuple[str, str]]:
    """(status, error) -> executions of OrderFulfillment started since ``since``."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT status, coalesce(error, ''), count(*) FROM executions "
            "WHERE workflow = %s AND started_at >= %s GROUP BY 1, 2",
            (WORKFLOW, since),
        ).fetchall()
    return Counter({(str(status), str(error)): int(n) for status, error, n in rows})


def finished(outcomes: Counter[tuple[str, str]]) -> int:
    return sum(n for (status, _), n in outcomes.items() if status != "RUNNING")


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


def summary(
    outcomes: Counter[tuple[str, str]],
    sent: dict[str, Any],
    erp: dict[str, Any],
    storefront: dict[str, Any],
    syncs: dict[str, dict[str, int]],
) -> dict[str, Any]:
    failed = Counter({error: n for (status, error), n in outcomes.items() if status == "FAILED"})
    return {
        "webhooks": {
            "sent": sent["sent"],
            "accepted": sent["accepted"],
            "rejected": sent["rejected"],
            "by_kind": sent["by_kind"],
        },
        "orders": {
            "completed": outcomes.get(("SUCCEEDED", ""), 0),
            "failed": sum(failed.values()),
            "running": sum(n for (status, _), n in outcomes.items() if status == "RUNNING"),
            "failed_by_reason": dict(failed.most_common()),
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
    }


def explain(report: dict[str, Any], console_url: str) -> str:
    """The summary as a few plain lines, with where to look next."""
    orders, erp = report["orders"], report["erp"]
    lines = [
        f"Webhooks: {report['webhooks']['accepted']} accepted, "
        f"{report['webhooks']['rejected']} refused (bad signature or missing fields).",
        f"Orders: {orders['completed']} completed, {orders['failed']} failed, "
        f"{orders['running']} still running.",
    ]
    lines += [f"  failed with {reason}: {n}" for reason, n in orders["failed_by_reason"].items()]
    lines += [
        f"ERP connections: at most {erp['max_concurrency']} at once (cap {erp['cap']}), "
        f"{erp['violations']} over the cap, {erp['duplicates']} repeated calls.",
    ]
    lines += [
        f"{workflow} runs: {s['runs']} ({s['succeeded']} succeeded, {s['failed']} failed, "
        f"{s['running']} running), {s['queued']} {SYNCS[workflow]} queued for the storefront."
        for workflow, s in report["syncs"].items()
    ]
    shop = report["storefront"]
    lines += [
        f"Storefront: {shop['levels_set']} stock levels set, "
        f"{shop['products_updated']} products updated, {shop['duplicates']} repeated calls.",
        "",
        f"Look next: the console at {console_url}",
        "  (user admin, password in .local/run/admin-password)",
        "  orderloom executions list --status FAILED",
        "  orderloom executions list --workflow InventorySync",
        "  orderloom executions show <execution id> --history",
        "  orderloom executions redrive <execution id> --reason '...'",
    ]
    return "\n".join(lines)
