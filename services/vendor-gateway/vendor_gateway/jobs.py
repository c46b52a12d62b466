"""A request read from ``vendor.requests`` becomes a job, or a refusal saying why.

The job keeps the envelope it came in (the reply is caused by it) and every Kafka
position that asked for it: the same request read twice (a producer retried it) is
one call at the vendor and finishes both offsets. A read (GET, HEAD) sends no body:
the input's fields that the path does not name go in its query string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from string import Formatter
from urllib.parse import quote, urlencode

from orderloom.events.envelope import Envelope
from vendor_gateway.config import GatewayConfig
from vendor_gateway.model import Lane, VendorRequest

REQUEST_TYPE = "orderloom.vendor.VendorRequest"
Position = tuple[int, int]
"""(partition, offset) of a record of ``vendor.requests``."""
BODILESS_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Result:
    """How a request ended: ``error`` is the ASL error name, ``None`` on success."""

    status: int | None
    body: str
    error: str | None = None
    cause: str = ""

    @classmethod
    def failed(cls, error: str, cause: str, status: int | None = None, body: str = "") -> Result:
        return cls(status, body, error, cause)

    def output(self) -> str:
        """The vendor's body as the task's JSON output (text that is not JSON is quoted)."""
        try:
            json.loads(self.body)
        except ValueError:
            return json.dumps(self.body)
        return self.body


@dataclass(eq=False, slots=True)
class Job:
    """One request on its way through a vendor pool."""

    request: VendorRequest
    envelope: Envelope
    positions: list[Position]
    queued_at: float
    attempt: int = 0
    started_at: float | None = None
    waits: list[float] = field(default_factory=list)

    @property
    def reply_topic(self) -> str | None:
        return self.envelope.data.get("reply_topic")

    @property
    def task_token(self) -> str | None:
        return self.envelope.data.get("task_token")

    @property
    def completion_key(self) -> str:
        """The key its completion is recorded under; the Idempotency-Key header's value."""
        return self.request.headers["Idempotency-Key"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request the gateway cannot carry out; ``error`` is the ASL name when it is answered."""

    reason: str
    detail: str
    error: str


def to_job(
    envelope: Envelope, position: Position, config: GatewayConfig, now: float
) -> Job | Refusal:
    """The job for a decoded request, or why there is none (unknown vendor or operation)."""
    if envelope.type != REQUEST_TYPE:
        return Refusal("unexpected-type", f"{envelope.type} is not a vendor request", "")
    data = envelope.data
    vendor_name, operation = str(data["vendor"]), str(data["operation"])
    unknown = f"{config.prefix(vendor_name)}.UnknownOperation"
    vendor = config.vendors.get(vendor_name)
    if vendor is None:
        return Refusal("unknown-operation", f"no vendor named {vendor_name!r}", unknown)
    op = vendor.operations.get(operation)
    if op is None:
        return Refusal(
            "unknown-operation", f"{vendor_name} has no operation {operation!r}", unknown
        )
    bad = f"{config.prefix(vendor_name)}.BadRequest"
    body = data.get("body")
    path = fill_path(op.path, body)
    if path is None:
        return Refusal("bad-request", f"{op.path}: the body lacks a field the path names", bad)
    if op.method in BODILESS_METHODS:
        query = query_string(op.path, body)
        if query is None:
            why = f"{op.method} {op.path}: the query takes an object of scalars or lists of them"
            return Refusal("bad-request", why, bad)
        path, body = f"{path}?{query}" if query else path, None
    key = str(data.get("idempotency_key") or data["request_id"])
    if not key.isprintable():
        why = "the idempotency key holds a control character; it cannot be a header"
        return Refusal("bad-request", why, bad)
    deadline_ms = data.get("deadline_ms")
    request = VendorRequest(
        request_id=str(data["request_id"]),
        vendor=vendor_name,
        operation=operation,
        method=op.method,
        path=path,
        lane=Lane(data["lane"]),
        body=body,
        idempotency_key=key if vendor.honours_idempotency_key else None,
        deadline=None if deadline_ms is None else deadline_ms / 1000,
        reply_to=envelope.key,
        headers={"Idempotency-Key": key},
    )
    return Job(request, envelope, [position], now)


def fill_path(template: str, body: str | None) -> str | None:
    """``/orders/{order_id}/fulfillments`` with ``order_id`` from the JSON body, URL-quoted;
    ``None`` when the body lacks a named field."""
    names = [name for _, name, _, _ in Formatter().parse(template) if name]
    if not names:
        return template
    try:
        fields = json.loads(body or "{}")
        return template.format(**{n: quote(str(fields[n]), safe="") for n in names})
    except (ValueError, KeyError, TypeError):
        return None


def query_string(template: str, body: str | None) -> str | None:
    """The body's fields that ``template`` does not name, as a query string (a list
    repeats its name); ``None`` when the body is not an object of such values."""
    named = {name for _, name, _, _ in Formatter().parse(template) if name}
    try:
        fields = json.loads(body or "null")
    except ValueError:
        return None
    if not isinstance(fields, dict | None):
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in (fields or {}).items():
        if name in named or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict | list) or item is None:
                return None
            pairs.append((name, json.dumps(item) if isinstance(item, bool) else str(item)))
    return urlencode(pairs)
