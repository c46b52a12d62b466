"""RFC 3339 timestamps as ASL uses them (uppercase T and Z), and epoch milliseconds.

The core keeps every instant as integer epoch milliseconds: cheap to compare, exact in JSON.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from orderloom.workflow.limits import MAX_EPOCH_MS

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\Z",
)


def parse_timestamp(text: object) -> int | None:
    """Epoch microseconds of an ASL timestamp, or None when `text` is not one."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        return None
    head, dot, tail = text.partition(".")
    fraction = 0
    if dot:
        digits = re.match(r"\d+", tail)
        assert digits is not None
        fraction = int(digits.group()[:6].ljust(6, "0"))
        text = head + tail[digits.end() :]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.timestamp()) * 1_000_000 + fraction


_FIRST_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z


def format_ms(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds, as Step Functions writes times in the context object;
    a time a datetime cannot hold is written as the nearest one it can."""
    epoch_ms = min(max(epoch_ms, _FIRST_MS), MAX_EPOCH_MS)
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
