"""``python -m bench.redaction``: what redacting payment data adds to the projector's CPU.

OrderFulfillment histories (run_local, the example definition) whose orders look like the
intake's: a 64-bit storefront id as a number and inside the order id, an address, a phone
number; then the same with a payment token, and with a card number in a note as well. Each
event goes through what the projector does in Python before PostgreSQL (``history_records``:
parse, redact; then the fold), and the redaction alone is timed on the same events. CPU
time (``process_time``), the best of seven passes, in microseconds per history event.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orderloom import jsontext
from orderloom.events.envelope import Envelope
from orderloom.projections import redaction
from orderloom.projections.fold import HISTORY_RECORDED_TYPE, fold_all, from_epoch_ms
from orderloom.projections.history import history_records
from orderloom.workflow.local import run_local

DEFINITION = Path(__file__).resolve().parents[1] / "examples/workflows/order_fulfillment.json"
T0 = 1_767_225_600_000
CASES = {
    "no_token": (None, None),
    "token": ("tok_1Nq8a2eZvKYlo2CqVb9x4242", None),
    "token_and_card_in_a_note": ("tok_1Nq8a2eZvKYlo2CqVb9x4242", "card 4242 4242 4242 4242"),
}


def _reserve(request: dict[str, Any]) -> dict[str, Any]:
    return {"reservation_id": f"res-{request['order_id']}", "warehouse": "north"}


def _capture(request: dict[str, Any]) -> dict[str, Any]:
    return {"captured": request["amount"], "order_id": request["order_id"]}


HANDLERS = {"service:inventory.reserve": _reserve, "vendor:payments.capture": _capture}


def _envelopes(executions: int, token: str | None, note: str | None) -> list[Envelope]:
    definition = json.loads(DEFINITION.read_text())
    made = []
    for i in range(executions):
        storefront_id = 820982911946154508 + i
        execution_id = f"order-acme-{storefront_id}"
        order = {
            "id": execution_id,
            "storefront_order_id": storefront_id,
            "order_number": f"#{1000 + i}",
            "email": f"customer{i}@example.com",
            "total": 42.5,
            "lines": [{"sku": "R31", "quantity": 2}, {"sku": "B12", "quantity": 1}],
            "shipping_address": {
                "address1": "1 Main St",
                "zip": "12345",
                "phone": "+1 415 555 2671",
            },
            "payment_token": token,
            "note": note,
        }
        history = run_local(
            definition, {"order": order}, HANDLERS, start_time=T0, execution_id=execution_id
        ).history
        events = [
            {
                "event_id": e.id,
                "previous_event_id": e.previous_event_id,
                "timestamp_ms": e.timestamp,
                "event_type": e.type,
                "details": jsontext.dumps(e.details),
            }
            for e in history
        ]
        made.append(
            Envelope(
                type=HISTORY_RECORDED_TYPE,
                source="bench",
                key=execution_id,
                data={
                    "execution_id": execution_id,
                    "workflow": "OrderFulfillment",
                    "events": events,
                },
                id=execution_id,
                time=from_epoch_ms(T0),
            )
        )
    return made


def _best(passes: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _redact_only(texts: list[str]) -> None:
    for text in texts:
        details = jsontext.loads(text)
        cleaned = redaction.redact(details, cards=redaction.may_hold_card(text))
        if cleaned is not details:
            jsontext.dumps(cleaned)


def _figures(envelopes: list[Envelope]) -> dict[str, Any]:
    texts = [str(e["details"]) for envelope in envelopes for e in envelope.data["events"]]
    parse = _best(7, lambda: [jsontext.loads(t) for t in texts])
    projector = _best(7, lambda: fold_all({}, [r for e in envelopes for r in history_records(e)]))
    redact = _best(7, lambda: _redact_only(texts)) - parse
    return {
        "events": len(texts),
        "projector_pure_us_per_event": round(projector / len(texts) * 1e6, 2),
        "of_which_redaction_us_per_event": round(redact / len(texts) * 1e6, 2),
    }


def run_redaction_bench(executions: int = 300) -> dict[str, Any]:
    figures: dict[str, Any] = {"executions": executions}
    for case, (token, note) in CASES.items():
        figures[case] = _figures(_envelopes(executions, token, note))
    return figures


if __name__ == "__main__":
    print(json.dumps(run_redaction_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))
