"""Steps from history: one per top-level state, durations, errors, a Map's iterations inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from console_service.timeline import steps
from orderloom.projections.queries import HistoryEntry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def history(*events: tuple[str, dict[str, Any]]) -> list[HistoryEntry]:
    return [
        HistoryEntry(n, kind, d.get("name"), T0 + timedelta(seconds=n), d)
        for n, (kind, d) in enumerate(events, start=1)
    ]


def test_a_failure_a_redrive_and_a_success_read_as_steps() -> None:
    found = steps(
        history(
            ("ExecutionStarted", {"input": {"q": 0}}),
            ("TaskStateEntered", {"name": "Validate", "input": {"q": 0}}),
            ("TaskScheduled", {"name": "Validate"}),
            ("TaskFailed", {"error": "ValueError", "cause": "q must be positive"}),
            (
                "ExecutionFailed",
                {"error": "ValueError", "cause": "q must be positive", "state": "Validate"},
            ),
            ("ExecutionRedriven", {"actor": "ops", "reason": "fixed", "input": {"q": 1}}),
            ("TaskStateEntered", {"name": "Validate", "input": {"q": 1}}),
            ("TaskScheduled", {"name": "Validate"}),
            ("TaskSucceeded", {"name": "Validate"}),
            ("TaskStateExited", {"name": "Validate", "output": {"ok": True}}),
            ("ExecutionSucceeded", {"output": {"ok": True}}),
        )
    )
    assert [(s.name, s.outcome) for s in found] == [
        ("Started", "started"),
        ("Validate", "failed"),
        ("Failed", "failed"),
        ("Redriven", "redriven"),
        ("Validate", "succeeded"),
        ("Succeeded", "succeeded"),
    ]
    failed, fixed = found[1], found[4]
    assert (failed.error, failed.cause, failed.attempts) == ("ValueError", "q must be positive", 1)
    assert fixed.output == {"ok": True} and fixed.duration_ms == 3000 and fixed.error is None


def test_map_iterations_stay_inside_the_map_step() -> None:
    found = steps(
        history(
            ("MapStateEntered", {"name": "Lines", "input": [1, 2]}),
            ("MapStateStarted", {"name": "Lines", "length": 2}),
            ("TaskStateEntered", {"name": "Reserve", "input": 1}),
            ("TaskStateExited", {"name": "Reserve", "output": 1}),
            ("MapStateSucceeded", {"name": "Lines"}),
            ("MapStateExited", {"name": "Lines", "output": [1, 2]}),
        )
    )
    assert [(s.name, len(s.events), s.outcome) for s in found] == [("Lines", 6, "succeeded")]
