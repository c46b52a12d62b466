"""The storefront's API: Orderloom's calls change it once per idempotency key."""

from __future__ import annotations

import httpx

from sim.storefront import ServerThread, create_app


def test_calls_are_counted_and_repeated_keys_change_nothing() -> None:
    with ServerThread(create_app()) as server, httpx.Client(base_url=server.url) as client:
        first = client.post(
            "/orders/order-acme-1/fulfillments",
            json={"tracking": "1Z999"},
            headers={"Idempotency-Key": "k-1"},
        )
        repeat = client.post(
            "/orders/order-acme-1/fulfillments",
            json={"tracking": "1Z999"},
            headers={"Idempotency-Key": "k-1"},
        )
        client.post(
            "/orders/order-acme-2/fulfillments", json={}, headers={"Idempotency-Key": "k-2"}
        )
        for n, available in enumerate((5, 7, 7)):
            level = client.post(
                "/inventory_levels/set",
                json={"sku": "TEE-BLA-001", "available": available},
                headers={"Idempotency-Key": f"level-{min(n, 1)}"},
            )
            assert level.status_code == 200
        product = client.put("/products/TEE-BLA-001", json={"product": {"title": "Black Tee"}})
        bad_level = client.post("/inventory_levels/set", json={"sku": "TEE-BLA-001"})
        stats = client.get("/stats").json()

    assert first.status_code == repeat.status_code == 201
    assert first.json() == repeat.json()
    assert product.json()["product"] == {"title": "Black Tee", "sku": "TEE-BLA-001"}
    assert bad_level.status_code == 422
    assert stats == {
        "fulfilled_orders": 2,
        "levels_set": 2,
        "products_updated": 1,
        "captures": 0,
        "refused_captures": 0,
        "refunds": 0,
        "duplicates": 2,
    }
