"""Cancellations and named refunds through the real billing service, the gateway played
by records published as it publishes them: a capture before, after or during the
cancellation ends refunded or never made; partial refunds never exceed the capture."""

from __future__ import annotations

import json

import psycopg
import pytest

from billing_service.bootstrap import REPLIES_TOPIC, build
from orderloom.events.codec import EventCodec
from orderloom.events.envelope import Envelope
from orderloom.outbox.tasks import TASK_FAILED, TASK_SUCCEEDED
from orderloom.settings import OrderloomSettings
from tests.integration.services.conftest import publish, read, running, task
from tests.integration.services.test_billing import billing_settings, capture, gateway_answer

pytestmark = pytest.mark.usefixtures("topics")
Connection = psycopg.Connection[tuple[object, ...]]


def cancel(settings: OrderloomSettings, order: str) -> Envelope:
    return task(settings, "billing", "cancel", {"order_id": order}, execution_id=f"cx-{order}")


def refund(settings: OrderloomSettings, order: str, refund_id: int, amount: int) -> Envelope:
    body = {"order_id": order, "amount_cents": amount, "currency": "EUR", "refund_id": refund_id}
    return task(settings, "billing", "refund", body, execution_id=f"rf-{order}-{refund_id}")


class Billing:
    """Sends commands and gateway answers; reads what came of them by id."""

    def __init__(self, settings: OrderloomSettings, codec: EventCodec) -> None:
        self.settings, self.codec = settings, codec

    def send(self, *commands: Envelope) -> None:
        publish(self.settings, self.codec, "billing.commands", list(commands))

    def request(self, request_id: str) -> Envelope:
        (found,) = read(
            self.settings,
            self.codec,
            "vendor.requests",
            1,
            match=lambda r: r.envelope.id == request_id,
        )
        return found

    def succeed(self, request_id: str, reference: str) -> None:
        answer = gateway_answer(self.request(request_id), output={"id": reference})
        publish(self.settings, self.codec, REPLIES_TOPIC, [answer])

    def answer(self, command: Envelope) -> Envelope:
        token = command.data["task_token"]
        (found,) = read(
            self.settings,
            self.codec,
            "workflow.inputs",
            1,
            match=lambda r: r.envelope.data["task_token"] == token,
        )
        return found


def test_cancel_before_after_and_during_the_capture_and_partial_refunds(
    settings: OrderloomSettings, codec: EventCodec, schema: str, pg: Connection
) -> None:
    billing = Billing(settings, codec)
    early = [cancel(settings, "early"), capture(settings, "early")]
    late = capture(settings, "late")
    racing = capture(settings, "race")
    refunds = [refund(settings, "part", 1, 1000), refund(settings, "part", 2, 4000)]
    billing.send(early[0], late, racing, capture(settings, "part"))
    with running(build(billing_settings(settings, schema), codec)):
        cancelled = billing.answer(early[0])  # commands are keyed by execution: one at a time
        billing.send(early[1])
        refused = billing.answer(early[1])
        billing.succeed("capture:late:1", "ch_late")
        billing.succeed("capture:part:1", "ch_part")
        assert billing.answer(late).type == TASK_SUCCEEDED
        late_cancel = cancel(settings, "late")
        race_cancel = cancel(settings, "race")
        billing.send(late_cancel, race_cancel, refunds[0])
        race_cancelled = billing.answer(race_cancel)
        billing.succeed("capture:race:1", "ch_race")
        race_capture = billing.answer(racing)
        billing.succeed("refund/cancellation:late:1", "re_late")
        billing.succeed("refund/cancellation:race:1", "re_race")
        billing.succeed("refund/1:part:1", "re_part_1")
        late_refunded = billing.answer(late_cancel)
        first_refund = billing.answer(refunds[0])
        billing.send(refunds[1], refunds[0])
        too_much = billing.answer(refunds[1])

    assert json.loads(cancelled.data["output"])["amount_cents"] == 0
    assert (refused.type, refused.data["error"]) == (TASK_FAILED, "Billing.OrderCancelled")
    assert json.loads(race_cancelled.data["output"])["capture"] == "pending"
    assert (race_capture.type, race_capture.data["error"]) == (
        TASK_FAILED,
        "Billing.OrderCancelled",
    )
    assert json.loads(late_refunded.data["output"]) == {
        "refund_id": "re_late",
        "amount_cents": 4200,
        "currency": "EUR",
    }
    assert json.loads(first_refund.data["output"])["amount_cents"] == 1000
    assert too_much.data["error"] == "Billing.RefundExceedsCapture"
    assert "4000 EUR exceeds the 3200 left" in too_much.data["cause"]

    rows = pg.execute(
        "SELECT order_id, kind, refund_id, status, amount_cents FROM payment_operations"
        " ORDER BY order_id, kind, refund_id"
    ).fetchall()
    assert rows == [
        ("late", "capture", "", "done", 4200),
        ("late", "refund", "cancellation", "done", 4200),
        ("part", "capture", "", "done", 4200),
        ("part", "refund", "1", "done", 1000),
        ("race", "capture", "", "done", 4200),
        ("race", "refund", "cancellation", "done", 4200),
    ]
    cancelled_orders = pg.execute("SELECT order_id FROM cancelled_orders ORDER BY 1").fetchall()
    assert cancelled_orders == [("early",), ("late",), ("race",)]
    requests = read(settings, codec, "vendor.requests", 100, timeout_s=3)
    assert sorted(r.id for r in requests) == [
        "capture:late:1",
        "capture:part:1",
        "capture:race:1",
        "refund/1:part:1",
        "refund/cancellation:late:1",
        "refund/cancellation:race:1",
    ]
