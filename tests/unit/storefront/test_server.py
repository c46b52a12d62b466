"""The storefront simulator's payment API: an authorization is captured once, a repeated
request under its idempotency key changes nothing, a second capture is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sim.storefront import Storefront, create_app

CAPTURE = {"kind": "capture", "amount_cents": 2447, "currency": "USD", "parent_id": 389404469}


def test_an_authorization_is_captured_once() -> None:
    store = Storefront()
    client = TestClient(create_app(store))
    first = client.post(
        "/orders/820982911946154508/transactions", json=CAPTURE, headers={"Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    assert first.json()["transaction"]["kind"] == "capture"
    again = client.post(
        "/orders/820982911946154508/transactions", json=CAPTURE, headers={"Idempotency-Key": "k"}
    )
    assert again.json() == first.json()
    other = client.post(
        "/orders/820982911946154508/transactions", json=CAPTURE, headers={"Idempotency-Key": "x"}
    )
    assert other.status_code == 422
    stats = client.get("/stats").json()
    assert (stats["captures"], stats["refused_captures"], stats["duplicates"]) == (1, 1, 1)


def test_a_capture_is_refunded_through_the_storefront() -> None:
    store = Storefront()
    client = TestClient(create_app(store))
    refund = client.post("/orders/7/refunds", json={"amount_cents": 500, "currency": "USD"})
    assert refund.status_code == 201 and refund.json()["transaction"]["kind"] == "refund"
    assert client.post("/orders/7/refunds", json={}).status_code == 422
    assert store.refunded_cents == {"7": 500}
