"""Done deliveries are remembered by marker and by webhook id, the most recent kept."""

from __future__ import annotations

from order_service.seen import SeenMarkers


def test_a_delivery_is_known_by_its_marker_and_its_webhook_id() -> None:
    seen = SeenMarkers()
    seen.add("order-acme-1/received", "wh-1")
    seen.add("order-acme-2/received")

    assert "order-acme-1/received" in seen
    assert seen.knows_webhook("wh-1")
    assert not seen.knows_webhook("wh-2")
    assert not seen.knows_webhook(None)
    assert len(seen) == 2


def test_only_the_most_recent_are_kept() -> None:
    seen = SeenMarkers(limit=2)
    for n in range(3):
        seen.add(f"m{n}", f"wh-{n}")
    seen.add("m1", "wh-1")
    seen.add("m3", "wh-3")

    assert ["m0" in seen, "m1" in seen, "m2" in seen, "m3" in seen] == [False, True, False, True]
    assert [seen.knows_webhook(f"wh-{n}") for n in range(4)] == [False, True, False, True]
