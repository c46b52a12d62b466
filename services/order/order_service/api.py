"""The order intake over HTTP: ``POST /webhooks/orders``, Shopify's webhook contract.

Checks run cheapest-first and before anything is written: body size (413), the shop
(401: a shop not configured has no secret to authenticate it with), its signature (401),
the topic and X-Shopify-Triggered-At headers (400), the body as JSON (400 unless an object
with a usable id; 422 for a value the system cannot hold), the topic against the signed
body (400), the payload (422), the records' sizes (413). Only then are the records
written, in one transaction, and 2xx means they are durably in Kafka; 503 means none of
them is, and the storefront's retry is safe because every id is derived from the order.
Every refusal is counted (``GET /metrics``) and logged with the shop and the webhook id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from order_service import problems
from order_service.broker_limits import max_message_bytes
from order_service.intake import (
    ORDER_EVENTS,
    PAYLOADS,
    WORKFLOW_INPUTS,
    definitions,
    parse,
    records,
)
from order_service.mapping import FieldProblem
from order_service.metrics import IntakeMetrics
from order_service.publisher import NotDelivered, TooLarge, TransactionalPublisher
from order_service.screening import Refusal, screen, summary
from order_service.seen import MarkerFeed, SeenMarkers
from order_service.service import Intake
from order_service.settings import OrderServiceSettings
from order_service.webhooks import shop_of
from orderloom.events.codec import EncodeError, codec_for
from orderloom.kafka.config import topic_name

log = logging.getLogger(__name__)


async def intake(request: Request) -> Intake:
    """The running app's intake, for routes to depend on (async: FastAPI would run a plain
    function in its thread pool, a thread hop per webhook)."""
    service: Intake = request.app.state.intake
    return service


def create_app(settings: OrderServiceSettings | None = None) -> FastAPI:
    """The intake app; settings from the environment unless given (refused if unsafe)."""
    settings = settings or OrderServiceSettings()
    shops = settings.shop_secrets()
    metrics = IntakeMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka = settings.kafka
        topics = [topic_name(kafka, t) for t in (WORKFLOW_INPUTS, ORDER_EVENTS)]
        limit = await asyncio.to_thread(max_message_bytes, kafka, topics, settings.max_record_bytes)
        publisher = TransactionalPublisher(
            kafka,
            max_records=settings.transaction_max_records,
            linger_s=settings.transaction_linger_ms / 1000,
            max_record_bytes=limit,
            lanes=settings.transaction_lanes,
            **{
                "delivery.timeout.ms": settings.delivery_timeout_ms,
                "message.max.bytes": settings.max_record_bytes,
            },
        )
        seen = SeenMarkers()
        feed = MarkerFeed(kafka, topics[1], seen, settings.duplicate_window_s)
        feed.start()
        service = Intake(
            kafka, codec_for(kafka.schema_registry_url), publisher, seen, feed, definitions()
        )
        app.state.intake = service
        if not await asyncio.to_thread(feed.caught_up.wait, 120.0):
            service.close()
            raise RuntimeError(f"could not read {topics[1]} to learn which orders were accepted")
        log.info(
            "order intake ready",
            extra={"markers": len(seen), "transactional_ids": publisher.transactional_ids},
        )
        try:
            yield
        finally:
            left = service.close()
            if left:
                log.error("records unwritten at shutdown", extra={"records": left})

    app = FastAPI(title="Orderloom order intake", lifespan=lifespan)

    def refuse(refusal: Refusal, request: Request) -> JSONResponse:
        metrics.refused.labels(refusal.reason).inc()
        log.info(
            "webhook refused",
            extra={
                "reason": refusal.reason,
                "status": refusal.status,
                "detail": refusal.detail,
                "shop": _header(request, "x-shopify-shop-domain"),
                "webhook_id": _header(request, "x-shopify-webhook-id"),
                "topic": _header(request, "x-shopify-topic"),
            },
        )
        extra = {"errors": refusal.errors} if refusal.errors else {}
        return problems.problem(refusal.status, refusal.title, refusal.detail, **extra)

    @app.post("/webhooks/orders", status_code=202)
    async def webhook(request: Request, service: Annotated[Intake, Depends(intake)]) -> Response:
        """A storefront webhook: orders/create, orders/cancelled or refunds/create."""
        body = await _body(request, settings.webhook_max_bytes)
        if body is None:
            detail = f"webhook bodies are limited to {settings.webhook_max_bytes} bytes"
            return refuse(Refusal("oversize", 413, "Payload too large", detail), request)
        verdict = screen(
            request.headers,
            body,
            shops=shops,
            topics=PAYLOADS.keys(),
            now=datetime.now(UTC),
            window=settings.triggered_at_window,
        )
        if isinstance(verdict, Refusal):
            return refuse(verdict, request)
        webhook_id = request.headers.get("x-shopify-webhook-id")
        try:
            delivery = records(
                parse(verdict.topic, body),
                shop_of(verdict.domain),
                webhook_id,
                service.definitions,
            )
        except ValidationError as e:
            return refuse(_invalid("invalid_payload", problems.field_errors(e)), request)
        except FieldProblem as e:
            return refuse(
                _invalid("invalid_payload", [{"field": e.field, "message": e.message}]), request
            )
        try:
            fresh = await service.accept(delivery, webhook_id)
        except TooLarge as e:
            return refuse(Refusal("record_too_large", 413, "Records too large", str(e)), request)
        except EncodeError as e:
            return refuse(_invalid("unstorable", [{"field": "(body)", "message": str(e)}]), request)
        except NotDelivered as e:
            metrics.answered.labels("not_written").inc()
            log.warning(
                "webhook not written",
                extra={"order_id": delivery.order_id, "webhook_id": webhook_id},
            )
            response = problems.problem(503, "Not written", f"Kafka did not commit it: {e}")
            response.headers["Retry-After"] = "5"
            return response
        metrics.answered.labels("accepted" if fresh else "duplicate").inc()
        answer = {
            "status": "accepted" if fresh else "duplicate",
            "order_id": delivery.order_id,
            "event_id": delivery.marker,
        }
        return JSONResponse(answer, status_code=202 if fresh else 200)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> Response:
        """200 once repeats are recognised and the producer can commit; 503 before."""
        service: Intake | None = getattr(request.app.state, "intake", None)
        if service is None or not service.ready():
            return JSONResponse({"status": "not ready"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    async def metrics_page() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value[:255] if value is not None else None


def _invalid(reason: str, errors: list[dict[str, str]]) -> Refusal:
    """A 422 naming the fields."""
    return Refusal(reason, 422, "Invalid webhook payload", summary(errors), errors)


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
