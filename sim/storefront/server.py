"""The storefront's side of the vendor calls Orderloom makes to it, with counters.

``POST /orders/<id>/fulfillments`` marks an order fulfilled, ``POST
/inventory_levels/set`` sets a SKU's stock, ``PUT /products/<sku>`` updates a
product, ``POST /orders/<storefront order id>/transactions`` captures an order's
authorization (Shopify's capture transaction: ``kind`` capture, ``parent_id`` the
authorization) and ``POST /orders/<storefront order id>/refunds`` refunds a capture.
A request repeating an ``Idempotency-Key`` gets the first answer again and changes
nothing, and is counted as a duplicate; a second capture of one order is refused (422),
as a storefront refuses to capture an authorization twice; ``GET /stats`` shows the
counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header
from fastapi.responses import JSONResponse

JsonObject = Annotated[dict[str, Any], Body()]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@dataclass
class Storefront:
    """The simulated storefront's state: what it was told, and how often."""

    fulfilled: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    captured: dict[str, int] = field(default_factory=dict)
    refunded_cents: dict[str, int] = field(default_factory=dict)
    levels_set: int = 0
    products_updated: int = 0
    duplicates: int = 0
    refused_captures: int = 0
    refunds: int = 0
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def fulfil(self, order_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        number = len(self.fulfilled) + 1
        self.fulfilled.setdefault(order_id, number)
        fulfillment = {"id": self.fulfilled[order_id], "order_id": order_id, "status": "success"}
        return 201, {"fulfillment": {**fulfillment, "tracking": body.get("tracking")}}

    def capture(self, order_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = body.get("amount_cents")
        if body.get("kind") != "capture" or not isinstance(amount, int):
            return 422, {"errors": "kind (capture) and amount_cents (integer) are required"}
        if order_id in self.captured:
            self.refused_captures += 1
            return 422, {"errors": {"base": ["the authorization is already captured"]}}
        self.captured[order_id] = amount
        transaction = {
            "id": 1_000_000 + len(self.captured),
            "order_id": order_id,
            "kind": "capture",
            "status": "success",
            "amount_cents": amount,
            "currency": body.get("currency"),
            "parent_id": body.get("parent_id"),
        }
        return 201, {"transaction": transaction}

    def refund(self, order_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = body.get("amount_cents")
        if not isinstance(amount, int):
            return 422, {"errors": "amount_cents (integer) is required"}
        self.refunded_cents[order_id] = self.refunded_cents.get(order_id, 0) + amount
        self.refunds += 1
        number = 2_000_000 + self.refunds
        transaction = {"id": number, "kind": "refund", "status": "success", "amount_cents": amount}
        return 201, {"refund": {"id": number, "order_id": order_id}, "transaction": transaction}

    def set_level(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        sku, available = body.get("sku"), body.get("available")
        if not isinstance(sku, str) or not isinstance(available, int):
            return 422, {"errors": "sku (string) and available (integer) are required"}
        self.levels[sku] = available
        self.levels_set += 1
        return 200, {"inventory_level": {"sku": sku, "available": available}}

    def update_product(self, sku: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        product = {**self.products.get(sku, {}), **body.get("product", body), "sku": sku}
        self.products[sku] = product
        self.products_updated += 1
        return 200, {"product": product}

    def stats(self) -> dict[str, Any]:
        return {
            "fulfilled_orders": len(self.fulfilled),
            "levels_set": self.levels_set,
            "products_updated": self.products_updated,
            "captures": len(self.captured),
            "refused_captures": self.refused_captures,
            "refunds": self.refunds,
            "duplicates": self.duplicates,
        }


def create_app(store: Storefront | None = None) -> FastAPI:
    """The storefront API over ``store`` (a fresh one unless given)."""
    state = store or Storefront()
    app = FastAPI(title="Orderloom storefront simulator")

    def once(key: str | None, act: Any, *args: Any) -> JSONResponse:
        if key is not None and key in state.answers:
            state.duplicates += 1
            status, body = state.answers[key]
        else:
            status, body = act(*args)
            if key is not None:
                state.answers[key] = (status, body)
        return JSONResponse(body, status_code=status)

    @app.post("/orders/{order_id}/fulfillments")
    async def fulfil(order_id: str, body: JsonObject, key: IdempotencyKey = None) -> JSONResponse:
        return once(key, state.fulfil, order_id, body)

    @app.post("/orders/{order_id}/transactions")
    async def capture(order_id: str, body: JsonObject, key: IdempotencyKey = None) -> JSONResponse:
        return once(key, state.capture, order_id, body)

    @app.post("/orders/{order_id}/refunds")
    async def refund(order_id: str, body: JsonObject, key: IdempotencyKey = None) -> JSONResponse:
        return once(key, state.refund, order_id, body)

    @app.post("/inventory_levels/set")
    async def set_level(body: JsonObject, key: IdempotencyKey = None) -> JSONResponse:
        return once(key, state.set_level, body)

    @app.put("/products/{sku}")
    async def update_product(
        sku: str, body: JsonObject, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(key, state.update_product, sku, body)

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        return state.stats()

    return app
