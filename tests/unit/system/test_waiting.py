"""What a run waits for: one execution per accepted webhook, but none for payment updates."""

from __future__ import annotations

from orderloom.system.main import _executions


def test_accepted_payment_updates_start_no_execution_to_wait_for() -> None:
    sent = {
        "accepted": 7,
        "by_kind": {
            "good": {"202": 5},
            "payment": {"202": 2, "503": 1},
            "bad_signature": {"401": 1},
        },
    }
    assert _executions(sent) == 5
    assert _executions({"accepted": 3, "by_kind": {}}) == 3
