"""Real execution histories, made by run_local on the example definitions and a few small ones.

Shared by the fold's unit tests and the projection's integration tests, which publish them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderloom import jsontext
from orderloom.events.envelope import Envelope
from orderloom.projections.fold import HISTORY_RECORDED_TYPE, HistoryRecord, from_epoch_ms
from orderloom.workflow.local import LocalRunner, run_local
from orderloom.workflow.messages import HistoryEvent, RedriveExecution

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "workflows"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
PER_RECORD = 4
CHARGE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": "ok", "ResultPath": "$.prepared", "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "service:billing.capture", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
SLOW = {
    "StartAt": "Hold",
    "TimeoutSeconds": 60,
    "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}},
}


class Declined(Exception):
    error = "Payment.Declined"


def _reserve(request: dict[str, Any]) -> dict[str, Any]:
    return {"reservation_id": f"res-{request['order_id']}"}


def _capture(request: dict[str, Any]) -> dict[str, Any]:
    if request["amount"] > 1000:
        raise Declined(f"card declined for {request['amount']}")
    return {"captured": request["amount"], "order_id": request["order_id"]}


def _set_level(request: dict[str, Any]) -> dict[str, Any]:
    return {"sku": request["sku"], "accepted": request["level"]}


HANDLERS = {
    "service:inventory.reserve": _reserve,
    "vendor:payments.capture": _capture,
    "service:billing.capture": _capture,
    "vendor-async:storefront.set_inventory_level": _set_level,
}


def _example(name: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return definition


def order(
    execution_id: str, total: float, *, lines: bool = True, at: int = T0
) -> list[HistoryEvent]:
    """OrderFulfillment: succeeds up to 1000, is declined (caught, then Fail) above."""
    data: dict[str, Any] = {"order": {"id": execution_id, "total": total}}
    if lines:
        data["order"]["lines"] = [{"sku": "R31", "quantity": 2}]
    result = run_local(
        _example("order_fulfillment"),
        data,
        HANDLERS,
        start_time=at,
        execution_id=execution_id,
        workflow="OrderFulfillment",
    )
    return result.history


def inventory_sync(execution_id: str, skus: int, *, at: int = T0) -> list[HistoryEvent]:
    """InventorySync: a Wait, then a Map pushing every SKU's level."""
    data = {"store": "main", "skus": [{"sku": f"S{i}", "level": i} for i in range(skus)]}
    result = run_local(
        _example("inventory_sync"),
        data,
        HANDLERS,
        start_time=at,
        execution_id=execution_id,
        workflow="InventorySync",
    )
    return result.history


def charge_redriven(execution_id: str, *, at: int = T0) -> tuple[list[HistoryEvent], int]:
    """A charge that fails uncaught, then is redriven with a smaller amount and succeeds.

    Returns the whole history and how many of its events came before the redrive.
    """
    first = run_local(
        CHARGE,
        {"order_id": execution_id, "amount": 5000},
        HANDLERS,
        start_time=at,
        execution_id=execution_id,
        workflow="Charge",
    )
    runner = LocalRunner(HANDLERS, now=at + 60_000)
    runner.state = first.state
    edited = {"order_id": execution_id, "amount": 50, "prepared": "ok"}
    runner.feed(
        RedriveExecution("ops@example.com", "customer lowered the amount", at + 60_000, edited)
    )
    return first.history + runner.history, len(first.history)


def timed_out(execution_id: str, *, at: int = T0) -> list[HistoryEvent]:
    """A Wait longer than the execution's TimeoutSeconds."""
    result = run_local(SLOW, {}, {}, start_time=at, execution_id=execution_id, workflow="Slow")
    return result.history


def records(
    execution_id: str, workflow: str, history: list[HistoryEvent], correlation_id: str | None = None
) -> list[HistoryRecord]:
    """The history as the projection reads it."""
    return [
        HistoryRecord(
            execution_id=execution_id,
            workflow=workflow,
            correlation_id=correlation_id or execution_id,
            event_id=e.id,
            previous_event_id=e.previous_event_id,
            timestamp=from_epoch_ms(e.timestamp),
            event_type=e.type,
            details=e.details,
            details_text=jsontext.dumps(e.details),
        )
        for e in history
    ]


def envelopes(
    execution_id: str, workflow: str, history: list[HistoryEvent], correlation_id: str | None = None
) -> list[Envelope]:
    """The history as the runner publishes it to workflow.history: a few events per record."""
    return [
        Envelope(
            type=HISTORY_RECORDED_TYPE,
            source="tests",
            key=execution_id,
            data={
                "execution_id": execution_id,
                "workflow": workflow,
                "events": [
                    {
                        "event_id": e.id,
                        "previous_event_id": e.previous_event_id,
                        "timestamp_ms": e.timestamp,
                        "event_type": e.type,
                        "details": jsontext.dumps(e.details),
                    }
                    for e in history[start : start + PER_RECORD]
                ],
            },
            id=f"{execution_id}/{history[start].id}",
            time=from_epoch_ms(history[start].timestamp),
            correlation_id=correlation_id or execution_id,
        )
        for start in range(0, len(history), PER_RECORD)
    ]


@dataclass(frozen=True)
class Made:
    """One execution's history, with what the runner would publish alongside it."""

    execution_id: str
    workflow: str
    correlation_id: str
    history: list[HistoryEvent]

    def records(self) -> list[HistoryRecord]:
        return records(self.execution_id, self.workflow, self.history, self.correlation_id)

    def envelopes(self) -> list[Envelope]:
        return envelopes(self.execution_id, self.workflow, self.history, self.correlation_id)


def corpus(count: int) -> list[Made]:
    """``count`` executions of every kind, each started a second after the one before."""
    made: list[Made] = []
    for i in range(count):
        at, eid = T0 + i * 1000, f"exec-{i:04d}"
        kind = i % 6
        if kind < 3:
            history = order(eid, [42.5, 5000, 10][kind], lines=kind != 2, at=at)
            made.append(Made(eid, "OrderFulfillment", f"order-{i:04d}", history))
        elif kind == 3:
            made.append(Made(eid, "InventorySync", eid, inventory_sync(eid, 3, at=at)))
        elif kind == 4:
            made.append(Made(eid, "Charge", f"order-{i:04d}", charge_redriven(eid, at=at)[0]))
        else:
            made.append(Made(eid, "Slow", eid, timed_out(eid, at=at)))
    return made
