"""Requests for the gateway's unit tests."""

from __future__ import annotations

from vendor_gateway.model import Lane, VendorRequest


def request(
    request_id: str,
    lane: Lane = Lane.ASYNC,
    *,
    method: str = "POST",
    idempotency_key: str | None = "key",
    deadline: float | None = None,
) -> VendorRequest:
    """A vendor request with the fields a test does not care about filled in."""
    return VendorRequest(
        request_id=request_id,
        vendor="erp",
        operation="create_sales_order",
        method=method,
        path="/orders",
        lane=lane,
        idempotency_key=idempotency_key,
        deadline=deadline,
    )
