"""The run's summary in plain words: the syncs' runs and what reached the storefront."""

from __future__ import annotations

from collections import Counter

from orderloom.system import report

SENT = {"sent": 3, "accepted": 3, "rejected": 0, "by_kind": {}}
ERP = {"cap": 25, "max_concurrency": 25, "violations": 0, "duplicates": 0}
SHOP = {
    "fulfilled_orders": 3,
    "levels_set": 17,
    "products_updated": 10,
    "captures": 2,
    "duplicates": 0,
}


def syncs(levels_running: int = 0) -> dict[str, dict[str, int]]:
    return {
        "InventorySync": {
            "runs": 2, "succeeded": 2 - levels_running, "failed": 0,
            "running": levels_running, "queued": 17,
        },
        "ProductSync": {"runs": 1, "succeeded": 0, "failed": 1, "running": 0, "queued": 0},
    }  # fmt: skip


def test_the_syncs_and_the_storefront_are_told_in_plain_words() -> None:
    outcomes = Counter({("OrderFulfillment", "SUCCEEDED", "", "OrderCompleted"): 3})
    summary = report.summary(outcomes, SENT, ERP, SHOP, syncs())

    text = report.explain(summary, "http://console")

    assert summary["syncs"] == syncs()
    assert summary["orders"]["completed"] == 3
    assert "InventorySync runs: 2 (2 succeeded, 0 failed, 0 running), 17 stock levels" in text
    assert "ProductSync runs: 1 (0 succeeded, 1 failed, 0 running), 0 products" in text
    assert (
        "Storefront: 17 stock levels set, 10 products updated, 2 payments captured,"
        " 0 repeated calls." in text
    )


def test_syncs_are_done_once_each_has_finished_a_run() -> None:
    assert report.syncs_done(syncs())
    assert not report.syncs_done(syncs(levels_running=2))


def test_the_restarts_are_counted_per_process_and_said() -> None:
    outcomes = Counter({("OrderFulfillment", "SUCCEEDED", "", "OrderCompleted"): 3})
    restarts = {"gateway": 0, "runner": 2, "projector": 1}

    summary = report.summary(outcomes, SENT, ERP, SHOP, syncs(), restarts)

    assert summary["restarts"] == restarts
    assert "Restarts: runner 2, projector 1 (why: .local/run/<name>.log)" in report.explain(
        summary, "http://console"
    )
    assert "Restarts: none" in report.explain(
        report.summary(outcomes, SENT, ERP, SHOP, syncs(), {"runner": 0}), "http://console"
    )
