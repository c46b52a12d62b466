"""What goes back: a TaskSucceeded or TaskFailed, where the asker said, keyed by its key.

A sync request names its ``reply_topic`` and ``task_token`` (the workflow waiting);
everything else is answered on ``vendor.responses`` with the request id as token,
so a batch's outcomes stay visible. Reply ids are derived from the request id: a
reply produced again after a crash is recognisably the same record. A reply that
would be too large for its topic is never produced: the request fails as
``<PREFIX>.ReplyTooLarge`` instead (a record Kafka refuses would be produced again
and again, and the partition would never move on).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from orderloom.events.envelope import Envelope
from orderloom.kafka.records import Outgoing
from vendor_gateway.jobs import Result

SOURCE = "orderloom/vendor-gateway"
SUCCEEDED = "orderloom.workflow.TaskSucceeded"
FAILED = "orderloom.workflow.TaskFailed"
CAUSE_LIMIT = 8192
REPLY_LIMIT = 900_000
"""Bytes a reply record may take. librdkafka refuses a record over its
``message.max.bytes`` (1,000,000 by default), the broker one over the topic's
``max.message.bytes`` (1,048,588 by default); the rest is left for framing."""


def destination(request: Envelope, responses_topic: str) -> tuple[str, str]:
    """The topic and task token of the reply to ``request``."""
    data = request.data
    if data.get("reply_topic") and data.get("task_token"):
        return str(data["reply_topic"]), str(data["task_token"])
    return responses_topic, str(data["request_id"])


def reply(request: Envelope, result: Result, token: str) -> Envelope:
    """The reply envelope, caused by the request and keyed like it (the execution)."""
    data: dict[str, str] = {"execution_id": request.key, "task_token": token}
    if result.error is None:
        type_, data["output"] = SUCCEEDED, result.output()
    else:
        type_ = FAILED
        data["error"], data["cause"] = result.error, result.cause[:CAUSE_LIMIT]
    return request.caused(
        type_,
        SOURCE,
        data,
        id=f"{request.data.get('request_id', request.id)}/reply",
        time=datetime.now(UTC),
    )


def http_cause(status: int, body: str) -> str:
    """The cause of a terminal HTTP answer: the vendor's status and body, as JSON."""
    return json.dumps({"status": status, "body": body[:CAUSE_LIMIT]})


def too_large(record: Outgoing) -> bool:
    """Whether a reply record takes more than ``REPLY_LIMIT`` bytes, key and headers included."""
    size = len(record.key or b"") + len(record.value or b"")
    size += sum(len(name) + len(value or b"") for name, value in record.headers)
    return size > REPLY_LIMIT


def reply_too_large(prefix: str) -> Result:
    """The failure that answers a request whose successful reply is too large."""
    return Result.failed(
        f"{prefix}.ReplyTooLarge",
        f"the answer as a reply record is over {REPLY_LIMIT} bytes, more than a topic takes",
    )
