"""Reading ``orderloom.workflow.HistoryRecorded`` envelopes into what the fold takes.

The runner writes the history events one input caused as one record; the fold takes them
one by one, each with the execution's ids and the record's correlation id, and with payment
secrets and card numbers already redacted from their details (``redaction``): so an
execution's input, output and history, and the words search finds, never hold them.
"""

from __future__ import annotations

import json
from typing import Any

from orderloom import jsontext
from orderloom.events.codec import DecodeError
from orderloom.events.envelope import Envelope
from orderloom.projections import redaction
from orderloom.projections.fold import HISTORY_RECORDED_TYPE, HistoryRecord, from_epoch_ms


def history_records(envelope: Envelope) -> list[HistoryRecord]:
    """The history events an envelope carries, or ``DecodeError`` when it carries none."""
    if envelope.type != HISTORY_RECORDED_TYPE:
        raise DecodeError("unexpected-type", f"{envelope.type} is not a history record")
    data = envelope.data
    execution_id, workflow = str(data["execution_id"]), str(data["workflow"])
    correlation_id = envelope.correlation_id or execution_id
    try:
        return _records(data, execution_id, workflow, correlation_id)
    except (ValueError, OverflowError, OSError) as e:  # a time no datetime can hold
        raise DecodeError("malformed-data", f"{type(e).__name__}: {e}") from e


def _records(
    data: dict[str, Any], execution_id: str, workflow: str, correlation_id: str
) -> list[HistoryRecord]:
    return [
        HistoryRecord(
            execution_id=execution_id,
            workflow=workflow,
            correlation_id=correlation_id,
            event_id=int(event["event_id"]),
            previous_event_id=int(event["previous_event_id"]),
            timestamp=from_epoch_ms(int(event["timestamp_ms"])),
            event_type=str(event["event_type"]),
            details=details,
            details_text=text,
        )
        for event in data["events"]
        for details, text in [_redacted(_details(event), str(event["details"]))]
    ]


def _redacted(details: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """The details with payment secrets and card numbers replaced, and their text to store."""
    cleaned = redaction.redact(details, cards=redaction.may_hold_card(text))
    return (details, text) if cleaned is details else (cleaned, jsontext.dumps(cleaned))


def _details(event: dict[str, Any]) -> dict[str, Any]:
    try:
        details = jsontext.loads(event["details"])
    except json.JSONDecodeError as e:
        raise DecodeError("malformed-data", f"event {event['event_id']} details: {e}") from e
    if not isinstance(details, dict):
        raise DecodeError("malformed-data", f"event {event['event_id']} details: not an object")
    return details
