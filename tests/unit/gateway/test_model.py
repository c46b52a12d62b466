from __future__ import annotations

import pytest

from tests.unit.gateway.factories import request
from vendor_gateway.model import Failure, Outcome


@pytest.mark.parametrize(
    ("method", "key", "safe"),
    [("GET", None, True), ("put", None, True), ("POST", None, False), ("PATCH", "k", True)],
)
def test_safe_to_repeat(method: str, key: str | None, safe: bool) -> None:
    assert request("r", method=method, idempotency_key=key).safe_to_repeat is safe


def test_an_outcome_is_a_status_or_a_failure() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Outcome()
    with pytest.raises(ValueError, match="exactly one"):
        Outcome(status=200, failure=Failure.TIMEOUT)
    assert Outcome(status=302).succeeded
    assert not Outcome(failure=Failure.TIMEOUT).succeeded
