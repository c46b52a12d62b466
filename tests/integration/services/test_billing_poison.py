"""Commands billing cannot apply: dead-lettered with the reason, their tasks failed so their
executions fail visibly, and the commands behind them carried out."""

from __future__ import annotations

import uuid

import pytest

from billing_service.bootstrap import BillingSettings, build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.kafka.config import topic_name
from orderloom.outbox.tasks import POISON_INPUT, TASK_FAILED
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


def test_poison_commands_are_dead_lettered_and_failed_and_the_next_is_carried_out(
    settings: OrderloomSettings, codec: EventCodec, schema: str
) -> None:
    own = BillingSettings(
        kafka=settings.kafka,
        postgres=settings.postgres,
        pg_schema=schema,
        group_id=f"billing-{uuid.uuid4().hex[:8]}",
    )
    commands = topic_name(settings.kafka, "billing.commands")

    def capture(order: str, amount: int = 4200, token: str = "pm_ok") -> Envelope:
        body = {
            "order_id": order,
            "amount_cents": amount,
            "currency": "EUR",
            "payment_token": token,
        }
        return task(settings, "billing", "capture", body, execution_id=f"exec-{order}")

    poison = {
        "refused-by-database: client": capture("o-nul", token=f"pm{NUL}ok"),
        "encode-overflow": capture("o-huge", amount=TOO_BIG_FOR_INTEGER),
    }
    produce_raw(settings, commands, undecodable(codec, commands, capture("o-spoiled")))
    publish(settings, codec, "billing.commands", [*poison.values(), capture("o-fine")])

    with running(build(own, codec)):
        (request,) = read(settings, codec, "vendor.requests", 1)
        answers = {e.data["task_token"]: e for e in read(settings, codec, "workflow.inputs", 2)}
        letters = dead_letters(settings, commands, 5)

    assert request.key == "o-fine"
    for why, command in poison.items():
        failed = answers[command.id]
        assert failed.type == TASK_FAILED and failed.data["error"] == POISON_INPUT
        assert failed.data["cause"].startswith(why), failed.data["cause"]
    assert reasons(letters) == sorted(
        [*UNDECODABLE_REASONS, "encode-overflow", "refused-by-database"]
    )
