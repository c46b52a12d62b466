from __future__ import annotations

import pytest
from yarl import URL

from vendor_gateway.model import Failure
from vendor_gateway.redirects import Hop, Refused, next_hop, same_origin

VENDOR = URL("https://erp.example.com/api/orders")


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://erp.example.com/other?x=1", True),
        ("https://ERP.example.com:443/api", True),
        ("http://erp.example.com/api/orders", False),
        ("https://erp.example.com:8443/api/orders", False),
        ("https://erp.example.com.evil.test/api", False),
        ("https://evil.test/api", False),
        ("/api/orders", False),
    ],
)
def test_only_the_same_scheme_host_and_port_is_the_vendor_s_origin(url: str, same: bool) -> None:
    assert same_origin(URL(url), VENDOR) is same


def test_a_relative_redirect_within_the_origin_is_followed_with_method_and_body() -> None:
    hop = next_hop(307, "/api/v2/orders?a=1", [VENDOR], "POST", max_redirects=3)
    assert hop == Hop(URL("https://erp.example.com/api/v2/orders?a=1"), "POST", keeps_body=True)


@pytest.mark.parametrize(
    ("status", "method", "then"),
    [(303, "POST", "GET"), (303, "HEAD", "HEAD"), (302, "POST", "GET"), (301, "POST", "GET")],
)
def test_see_other_and_a_moved_post_become_a_get_without_body(
    status: int, method: str, then: str
) -> None:
    hop = next_hop(status, "/api/result/1", [VENDOR], method, max_redirects=3)
    assert isinstance(hop, Hop)
    assert (hop.method, hop.keeps_body) == (then, then == method)


@pytest.mark.parametrize(
    "location",
    [
        "http://erp.example.com/api/orders",
        "https://erp.example.com:444/api/orders",
        "https://collector.evil.test/steal",
        "//collector.evil.test/steal",
    ],
)
def test_a_redirect_to_another_origin_is_refused(location: str) -> None:
    refused = next_hop(302, location, [VENDOR], "GET", max_redirects=3)
    assert isinstance(refused, Refused)
    assert refused.failure is Failure.CROSS_ORIGIN_REDIRECT


def test_a_redirect_back_to_a_url_already_asked_is_a_loop() -> None:
    second = URL("https://erp.example.com/api/elsewhere")
    refused = next_hop(302, "/api/orders", [VENDOR, second], "GET", max_redirects=10)
    assert refused == Refused(Failure.REDIRECT_LOOP, "a 302 redirect back to /api/orders")


def test_a_redirect_past_the_bound_is_refused() -> None:
    visited = [VENDOR.with_path(f"/hop/{n}") for n in range(4)]
    refused = next_hop(302, "/hop/4", visited, "GET", max_redirects=3)
    assert isinstance(refused, Refused)
    assert refused.failure is Failure.TOO_MANY_REDIRECTS
    assert isinstance(next_hop(302, "/hop/4", visited[:3], "GET", max_redirects=3), Hop)


def test_with_no_redirects_allowed_none_is_followed() -> None:
    refused = next_hop(308, "/api/v2", [VENDOR], "GET", max_redirects=0)
    assert isinstance(refused, Refused)
    assert refused.failure is Failure.TOO_MANY_REDIRECTS


@pytest.mark.parametrize("location", [None, "", "http://[broken"])
def test_a_redirect_without_a_readable_location_is_malformed(location: str | None) -> None:
    refused = next_hop(302, location, [VENDOR], "GET", max_redirects=3)
    assert isinstance(refused, Refused)
    assert refused.failure is Failure.MALFORMED
