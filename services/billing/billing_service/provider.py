"""The gateway's answer about a payment request, read as the provider's verdict.

The gateway answers ``TaskSucceeded`` with the provider's JSON body, or ``TaskFailed``
named ``<VENDOR>.HTTP<status>``, ``<VENDOR>.Timeout`` or ``<VENDOR>.Unavailable``. A 402
is a decline; other client errors are refusals that trying again cannot change; timeouts,
conflicts, throttling and server errors leave the outcome open, to be tried again.
"""

from __future__ import annotations

import json
from typing import Any

from billing_service.model import Outcome
from orderloom.outbox.tasks import TASK_SUCCEEDED

PAYMENT_REQUIRED = 402
OPEN_STATUSES = frozenset({408, 409, 425, 429})
REFERENCE_FIELDS = ("capture_id", "refund_id", "id", "vendor_id")


def verdict(type_: str, data: dict[str, Any]) -> tuple[Outcome, str | None, str]:
    """``(outcome, provider reference, cause)`` of a gateway answer."""
    if type_ == TASK_SUCCEEDED:
        return Outcome.SUCCEEDED, _reference(data.get("output")), ""
    error, cause = str(data.get("error", "")), str(data.get("cause", ""))
    name = error.partition(".")[2]
    if name.startswith("HTTP") and name[4:].isdigit():
        status = int(name[4:])
        if status == PAYMENT_REQUIRED:
            return Outcome.DECLINED, None, cause
        if 400 <= status < 500 and status not in OPEN_STATUSES:
            return Outcome.REJECTED, None, f"{error}: {cause}"
    return Outcome.UNAVAILABLE, None, f"{error}: {cause}"


def _reference(output: object) -> str | None:
    """The provider's id for the payment, from the first field of its body that has one
    (the storefront answers with its ``transaction``)."""
    try:
        body = json.loads(str(output))
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("transaction"), dict):
        body = body["transaction"]
    for name in REFERENCE_FIELDS:
        if isinstance(body.get(name), str | int) and body[name] != "":
            return str(body[name])
    return None
