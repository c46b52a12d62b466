"""RFC 3339 timestamps as ASL uses them (uppercase T and Z), and epoch milliseconds.

The core keeps every instant as integer epoch milliseconds: cheap to compare, exact in JSON.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

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


def format_ms(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds, as Step Functions writes times in the context object."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
