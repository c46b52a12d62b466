"""Commands the inventory service cannot apply: dead-lettered with the reason, their tasks
failed so their executions fail visibly, and the commands behind them answered."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from inventory_service import ledger
from inventory_service.bootstrap import InventorySettings, build, open_ledger
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.outbox.tasks import POISON_INPUT, TASK_FAILED, TASK_SUCCEEDED
from orderloom.settings import OrderloomSettings
from tests.integration.poison import (
    NUL,
    TOO_BIG_FOR_INTEGER,
    UNDECODABLE_REASONS,
    dead_letters,
    produce_raw,
    reasons,
    undecodable,
)
from tests.integration.services.conftest import publish, read, running, task

pytestmark = pytest.mark.usefixtures("topics")
SKU_1 = {"sku": "SKU-1", "title": "Mug", "price_cents": 900, "initial_stock": 5, "backorder": True}


def test_poison_commands_are_dead_lettered_and_failed_and_the_next_is_answered(
    settings: OrderloomSettings, codec: EventCodec, schema: str
) -> None:
    own = InventorySettings(
        kafka=settings.kafka,
        postgres=settings.postgres,
        pg_schema=schema,
        group_id=f"inventory-{uuid.uuid4().hex[:8]}",
    )
    commands = topic_name(settings.kafka, "inventory.commands")
    with open_ledger(own) as conn:
        ledger.seed(conn, "main", [SKU_1])

    def reserve(execution_id: str, sku: str, *quantities: int) -> Envelope:
        lines = [{"sku": sku, "quantity": quantity} for quantity in quantities]
        return task(
            settings,
            "inventory",
            "reserve",
            {"order_id": execution_id, "lines": lines},
            execution_id=execution_id,
        )

    spoiled = reserve("spoiled", "SKU-1", 1)
    poison = {
        "22021": reserve("nul", f"SKU{NUL}1", 1),
        "54000": reserve(
            base64.b64encode(os.urandom(9_000)).decode(), "SKU-1", 1
        ),  # over a key's size
        "encode-overflow": reserve("huge", "SKU-1", TOO_BIG_FOR_INTEGER),
    }
    fine = reserve("fine", "SKU-1", 1)
    produce_raw(settings, commands, undecodable(codec, commands, spoiled))
    publish(settings, codec, "inventory.commands", [*poison.values(), fine])

    with running(build(own, codec)):
        answers = {e.data["task_token"]: e for e in read(settings, codec, "workflow.inputs", 4)}
        letters = dead_letters(settings, commands, 6)

    assert answers[fine.id].type == TASK_SUCCEEDED
    for why, request in poison.items():
        failed = answers[request.id]
        assert failed.type == TASK_FAILED and failed.data["error"] == POISON_INPUT
        reason = why if why == "encode-overflow" else f"refused-by-database: {why}"
        assert failed.data["cause"].startswith(reason), failed.data["cause"]
    assert reasons(letters) == sorted(
        [*UNDECODABLE_REASONS, "encode-overflow", *["refused-by-database"] * 2]
    )
