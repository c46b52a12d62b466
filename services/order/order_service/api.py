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
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from order_service import headers as checks
from order_service import problems
from order_service.intake import ORDER_EVENTS, PAYLOADS, WORKFLOW_INPUTS, definitions, records
from order_service.mapping import FieldProblem
from order_service.metrics import IntakeMetrics
from order_service.publisher import (
    NotDelivered,
    TooLarge,
    TransactionalPublisher,
    max_message_bytes,
)
from order_service.seen import MarkerFeed, SeenMarkers
from order_service.service import Intake
from order_service.settings import OrderServiceSettings
from order_service.signature import verify
from order_service.storable import unstorable
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
            extra={"markers": len(seen), "transactional_id": publisher.transactional_id},
        )
        try:
            yield
        finally:
            left = service.close()
            if left:
                log.error("records unwritten at shutdown", extra={"records": left})

    app = FastAPI(title="Orderloom order intake", lifespan=lifespan)

    def refuse(reason: str, response: JSONResponse, request: Request) -> JSONResponse:
        metrics.refused.labels(reason).inc()
        log.info(
            "webhook refused",
            extra={
                "reason": reason,
                "status": response.status_code,
                "shop": _header(request, "x-shopify-shop-domain"),
                "webhook_id": _header(request, "x-shopify-webhook-id"),
                "topic": _header(request, "x-shopify-topic"),
            },
        )
        return response

    @app.post("/webhooks/orders", status_code=202)
    async def webhook(request: Request, service: Annotated[Intake, Depends(intake)]) -> Response:
        """A storefront webhook: orders/create, orders/cancelled or refunds/create."""
        body = await _body(request, settings.webhook_max_bytes)
        if body is None:
            return refuse(
                "oversize",
                problems.problem(
                    413,
                    "Payload too large",
                    f"webhook bodies are limited to {settings.webhook_max_bytes} bytes",
                ),
                request,
            )
        headers = request.headers
        domain = headers.get("x-shopify-shop-domain")
        secret = checks.secret_for(shops, domain)
        if secret is None:
            detail = f"{(domain or '')[:255]!r} is not a shop this intake takes webhooks from"
            return refuse("unknown_shop", problems.problem(401, "Unknown shop", detail), request)
        if not verify(secret, body, headers.get("x-shopify-hmac-sha256")):
            bad = problems.problem(401, "Bad signature", "X-Shopify-Hmac-Sha256 does not match")
            return refuse("unauthenticated", bad, request)
        topic = headers.get("x-shopify-topic", "")
        model = PAYLOADS.get(topic)
        if model is None:
            known = ", ".join(PAYLOADS)
            detail = f"{topic[:255]!r}: this route takes {known}"
            return refuse("unknown_topic", problems.problem(400, "Unknown topic", detail), request)
        stale = checks.staleness(
            headers.get("x-shopify-triggered-at"), datetime.now(UTC), settings.triggered_at_window
        )
        if stale:
            return refuse("stale", problems.problem(400, "Stale delivery", stale), request)
        document, not_json = _document(body)
        if not_json:
            bad = problems.problem(400, "Unparseable webhook body", not_json)
            return refuse("unparseable", bad, request)
        cannot_hold = unstorable(document)
        if cannot_hold:
            errors = [{"field": u.field, "message": u.message} for u in cannot_hold]
            return refuse("unstorable", problems.invalid_fields(errors), request)
        no_id = checks.unusable_id(topic, document)
        if no_id:
            bad = problems.problem(400, "Unparseable webhook body", no_id)
            return refuse("unparseable", bad, request)
        mismatch = checks.topic_mismatch(topic, document)
        if mismatch:
            bad = problems.problem(400, "Topic does not match the body", mismatch)
            return refuse("topic_mismatch", bad, request)
        webhook_id = headers.get("x-shopify-webhook-id")
        try:
            delivery = records(
                model.model_validate_json(body),
                shop_of(domain or ""),
                webhook_id,
                service.definitions,
            )
        except ValidationError as e:
            return refuse("invalid_payload", problems.invalid_payload(e), request)
        except FieldProblem as e:
            invalid = problems.invalid_fields([{"field": e.field, "message": e.message}])
            return refuse("invalid_payload", invalid, request)
        try:
            fresh = await service.accept(delivery, webhook_id)
        except TooLarge as e:
            big = problems.problem(413, "Records too large", str(e))
            return refuse("record_too_large", big, request)
        except EncodeError as e:
            invalid = problems.invalid_fields([{"field": "(body)", "message": str(e)}])
            return refuse("unstorable", invalid, request)
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


def _document(body: bytes) -> tuple[Any, str | None]:
    """The parsed body, or why it is not JSON."""
    try:
        return json.loads(body), None
    except (ValueError, RecursionError) as e:
        return None, f"the body is not JSON: {e}"


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
