"""The order intake over HTTP: ``POST /webhooks/orders``, Shopify's webhook contract.

Checks run cheapest-first and before anything is written: body size (413), signature
(401), topic and shop headers (400), payload (422). Only then are the records written,
and 2xx means they are durably in Kafka; 503 means they may not be, and the storefront's
retry is safe because every id is derived from the order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from order_service import problems
from order_service.intake import ORDER_EVENTS, PAYLOADS, definitions, parse, records
from order_service.mapping import FieldProblem
from order_service.publisher import AsyncPublisher, NotDelivered
from order_service.seen import MarkerFeed, SeenMarkers
from order_service.service import Intake
from order_service.settings import OrderServiceSettings
from order_service.signature import verify
from order_service.webhooks import shop_of
from orderloom.events.codec import codec_for
from orderloom.kafka.config import topic_name

log = logging.getLogger(__name__)


async def intake(request: Request) -> Intake:
    """The running app's intake, for routes to depend on (async: FastAPI would run a plain
    function in its thread pool, a thread hop per webhook)."""
    service: Intake = request.app.state.intake
    return service


def create_app(settings: OrderServiceSettings | None = None) -> FastAPI:
    """The intake app; settings from the environment unless given (refused if unsafe)."""
    settings = settings or OrderServiceSettings()  # type: ignore[call-arg]
    secret = settings.webhook_secret.get_secret_value().encode()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher = AsyncPublisher(
            settings.kafka,
            codec_for(settings.kafka.schema_registry_url),
            **{"delivery.timeout.ms": settings.delivery_timeout_ms},
        )
        seen = SeenMarkers()
        topic = topic_name(settings.kafka, ORDER_EVENTS)
        feed = MarkerFeed(settings.kafka, topic, seen, settings.duplicate_window_s)
        feed.start()
        app.state.intake = Intake(publisher, seen, feed, definitions())
        if not await asyncio.to_thread(feed.caught_up.wait, 120.0):
            app.state.intake.close()
            raise RuntimeError(f"could not read {topic} to learn which orders were accepted")
        log.info("order intake ready", extra={"markers": len(seen)})
        try:
            yield
        finally:
            left = app.state.intake.close()
            if left:
                log.error("records unacknowledged at shutdown", extra={"records": left})

    app = FastAPI(title="Orderloom order intake", lifespan=lifespan)

    @app.post("/webhooks/orders", status_code=202)
    async def webhook(request: Request, service: Annotated[Intake, Depends(intake)]) -> Response:
        """A storefront webhook: orders/create, orders/cancelled or refunds/create."""
        body = await _body(request, settings.webhook_max_bytes)
        if body is None:
            return problems.problem(
                413,
                "Payload too large",
                f"webhook bodies are limited to {settings.webhook_max_bytes} bytes",
            )
        headers = request.headers
        if not verify(secret, body, headers.get("x-shopify-hmac-sha256")):
            return problems.problem(401, "Bad signature", "X-Shopify-Hmac-Sha256 does not match")
        topic = headers.get("x-shopify-topic", "")
        model = PAYLOADS.get(topic)
        if model is None:
            known = ", ".join(PAYLOADS)
            return problems.problem(400, "Unknown topic", f"{topic!r}: this route takes {known}")
        try:
            shop = shop_of(headers.get("x-shopify-shop-domain", ""))
        except ValueError as e:
            return problems.problem(400, "Bad X-Shopify-Shop-Domain", str(e))
        try:
            delivery = records(
                parse(topic, body),
                shop,
                headers.get("x-shopify-webhook-id"),
                service.definitions,
            )
        except ValidationError as e:
            return problems.invalid_payload(e)
        except FieldProblem as e:
            return problems.invalid_fields([{"field": e.field, "message": e.message}])
        try:
            fresh = await service.accept(delivery)
        except NotDelivered as e:
            log.warning("webhook not written", extra={"order_id": delivery.order_id})
            response = problems.problem(503, "Not written", f"Kafka did not acknowledge: {e}")
            response.headers["Retry-After"] = "5"
            return response
        answer = {
            "status": "accepted" if fresh else "duplicate",
            "order_id": delivery.order_id,
            "event_id": delivery.marker,
        }
        return JSONResponse(answer, status_code=202 if fresh else 200)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
