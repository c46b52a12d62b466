"""Thousands of signed deliveries, valid, odd and hostile, against the running system.

Each is accepted whole or refused whole with a 4xx, never a 5xx; every accepted one is an
execution the console's API shows; afterwards no service was restarted, each answers its
health check and no dead-letter topic holds anything. The named cases end as they must:
the three header attacks and the NUL body refused, Shopify's nulls, SKU-less lines and
payment states accepted and ended by name.
"""

from __future__ import annotations

from bench.bad_input import run_bad_input_bench
from orderloom.settings import OrderloomSettings

FUZZ = 2000


def test_every_delivery_is_accepted_whole_or_refused_whole_and_every_service_lives(
    isolated: OrderloomSettings,
) -> None:
    figures = run_bad_input_bench(isolated, fuzz=FUZZ, seed=29)

    named = {n["case"]: n for n in figures["named"]}
    assert [n for n in figures["named"] if not n["as_expected"]] == []
    fuzz = figures["fuzz"]
    assert fuzz["sent"] == FUZZ
    assert fuzz["unexpected"] == []
    assert all(400 > int(status) >= 200 or 500 > int(status) >= 400 for status in fuzz["by_status"])
    assert FUZZ // 4 < fuzz["accepted"] < FUZZ, "the generated deliveries are of both kinds"
    assert figures["missing_from_console"] == []
    assert figures["shown_by_console"] == figures["accepted"]
    assert set(figures["health"].values()) == {200}, figures["health"]
    assert not any(figures["restarts"].values()), figures["restarts"]
    assert not any(figures["dead_letters"].values()), figures["dead_letters"]

    assert named["good order"]["became"] == ["OrderFulfillment SUCCEEDED OrderCompleted"]
    assert named["the same delivery again"]["status"] == 200
    for attack in (
        "replayed under another shop domain",
        "replayed as orders/cancelled",
        "order id beyond 64 bits",
        "NUL in the shipping address",
    ):
        assert 400 <= named[attack]["status"] < 500, named[attack]
    missing = named["line without SKU, unknown variant"]["became"]
    assert len(missing) == 1 and missing[0].startswith("OrderFulfillment FAILED Order.MissingSku")
    assert "lines[0].sku" in missing[0] and "variant 999999999999999" in missing[0]
    found = named["line with an empty SKU, known variant"]["became"]
    assert found == ["OrderFulfillment SUCCEEDED OrderCompleted"]
    assert named["financial_status paid"]["became"] == ["OrderFulfillment SUCCEEDED OrderCompleted"]
    assert named["financial_status pending"]["became"] == ["OrderFulfillment RUNNING AwaitPayment"]
    voided = named["financial_status voided"]["became"]
    assert len(voided) == 1 and voided[0].startswith("OrderFulfillment FAILED Order.Voided")
