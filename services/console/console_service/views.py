"""One execution as the console and the API show it: row, history, steps, definition, diagram."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console_service import definitions, diagram, timeline
from console_service.redrive import REDRIVABLE, failed_input
from orderloom.projections import queries
from orderloom.projections.fold import ExecutionRow
from orderloom.projections.store import Connection
from orderloom.workflow.execution import RUNNING


@dataclass(frozen=True)
class ExecutionView:
    row: ExecutionRow
    history: list[queries.HistoryEntry]
    steps: list[timeline.Step]
    definition: dict[str, Any] | None
    failed_input: Any

    @property
    def redrivable(self) -> bool:
        return self.row.status in REDRIVABLE

    def marks(self) -> dict[str, str]:
        """failed / current / visited, per top-level state name."""
        marks = {s.name: "visited" for s in self.steps if s.kind != "Execution"}
        if self.redrivable and self.row.failed_state:
            marks[self.row.failed_state] = "failed"
        elif self.row.status == RUNNING and self.row.current_state:
            marks[self.row.current_state] = "current"
        return marks

    def svg(self) -> str:
        """The state diagram; raises ``diagram.DiagramError`` when dot cannot draw it."""
        anchors = {s.name: f"#step-{s.number}" for s in self.steps if s.kind != "Execution"}
        if self.definition is not None:
            states = [
                (name, str(body.get("Type", "?")) if isinstance(body, dict) else "?")
                for name, body in (self.definition.get("States") or {}).items()
            ]
            links = diagram.edges(self.definition)
        else:
            seen: dict[str, str] = {}
            for step in self.steps:
                if step.kind != "Execution":
                    seen.setdefault(step.name, step.kind)
            states = list(seen.items())
            links = [(a, b, "") for a, b in zip(seen, list(seen)[1:], strict=False)]
        return diagram.render(diagram.dot_source(states, links, self.marks(), anchors))

    def as_json(self) -> dict[str, Any]:
        row = self.row
        took = (row.stopped_at or row.updated_at) - row.started_at
        return {
            **queries.execution_json(row),
            "duration_ms": int(took.total_seconds() * 1000),
            "failed_input": self.failed_input,
            "definition_known": self.definition is not None,
            "steps": [
                {
                    "number": s.number,
                    "name": s.name,
                    "kind": s.kind,
                    "outcome": s.outcome,
                    "started_at": s.started_at.isoformat(),
                    "ended_at": s.ended_at.isoformat() if s.ended_at else None,
                    "duration_ms": s.duration_ms,
                    "attempts": s.attempts,
                    "error": s.error,
                    "cause": s.cause,
                }
                for s in self.steps
            ],
        }


def load(conn: Connection, execution_id: str) -> ExecutionView | None:
    row = queries.get_execution(conn, execution_id)
    if row is None:
        return None
    history = queries.get_history(conn, execution_id)
    before = (
        failed_input(conn, execution_id, row.failed_state) if row.status in REDRIVABLE else None
    )
    return ExecutionView(
        row, history, timeline.steps(history), definitions.definition_of(conn, execution_id), before
    )
