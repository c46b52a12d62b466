"""The order workflows run through run-local: where a cancellation meets the fulfilment,
how it ends, and what the cancellation and refund executions ask of whom."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from order_service.event_log import order_events
from order_service.intake import definitions
from order_service.steps import HANDLERS
from orderloom.workflow.local import LocalResult, run_local
from orderloom.workflow.wire import recorded
from tests.unit.order.test_steps import GOOD

DEFINITIONS = definitions()
FULFILMENT = (
    "service:inventory.resolve",
    "service:inventory.reserve",
    "vendor:erp.create_sales_order",
    "service:billing.capture",
    "service:inventory.commit",
    "vendor-async:threepl.create_shipment",
    "vendor-async:storefront.mark_fulfilled",
    "vendor:erp.cancel_sales_order",
    "service:billing.refund",
    "service:inventory.release",
    "service:inventory.cancel",
    "service:billing.cancel",
    "service:inventory.restock",
)


class ServiceError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(f"{error} said the service")
        self.error = error


class Services:
    """Answers every Resource, records the calls; ``fail`` makes one raise a named error
    (``times`` times, then answer)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.failures: dict[str, tuple[str, int]] = {}

    def fail(self, resource: str, error: str, times: int = 10**6) -> Services:
        self.failures[resource] = (error, times)
        return self

    def handlers(self) -> dict[str, Callable[[Any], Any]]:
        def answer(resource: str) -> Callable[[Any], Any]:
            def handle(value: Any) -> Any:
                self.calls.append((resource, value))
                error, times = self.failures.get(resource, ("", 0))
                if times:
                    self.failures[resource] = (error, times - 1)
                    raise ServiceError(error)
                return {"answered_by": resource}

            return handle

        return {**HANDLERS, **{r: answer(r) for r in FULFILMENT}}

    def asked(self) -> list[str]:
        return [r.split(":", 1)[1] for r, _ in self.calls]

    def run(self, workflow: str, document: Any) -> LocalResult:
        return run_local(DEFINITIONS[workflow], document, self.handlers())


def end_state(result: LocalResult) -> str | None:
    ends = [h for h in result.history if h.type in ("SucceedStateEntered", "FailStateEntered")]
    return ends[-1].details["name"] if ends else None


def log_of(result: LocalResult) -> list[str]:
    found = [order_events("o", recorded(h)) for h in result.history]
    return [kind.rsplit(".", 1)[1] for kind, _ in filter(None, found)]


def test_an_order_nobody_cancels_is_committed_before_it_ships_and_completes() -> None:
    services = Services()
    result = services.run("OrderFulfillment", GOOD)
    assert (result.status, end_state(result)) == ("SUCCEEDED", "OrderCompleted")
    assert services.asked() == [
        "inventory.reserve",
        "erp.create_sales_order",
        "billing.capture",
        "inventory.commit",
        "threepl.create_shipment",
        "storefront.mark_fulfilled",
    ]
    assert log_of(result)[-1] == "OrderCompleted"


def test_cancelled_before_its_reservation_the_order_stops_having_done_nothing() -> None:
    services = Services().fail("service:inventory.reserve", "Inventory.OrderCancelled")
    result = services.run("OrderFulfillment", GOOD)
    assert (result.status, end_state(result)) == ("SUCCEEDED", "OrderCancelled")
    assert services.asked() == ["inventory.reserve"]
    assert result.output["cancellation"]["Error"] == "Inventory.OrderCancelled"
    assert log_of(result) == ["FulfillmentCancelled"]


@pytest.mark.parametrize(
    ("resource", "error"),
    [
        ("service:billing.capture", "Billing.OrderCancelled"),
        ("service:inventory.commit", "Inventory.OrderCancelled"),
    ],
)
def test_cancelled_after_the_sales_order_it_is_cancelled_in_the_erp_and_never_shipped(
    resource: str, error: str
) -> None:
    services = Services().fail(resource, error)
    result = services.run("OrderFulfillment", GOOD)
    assert (result.status, end_state(result)) == ("SUCCEEDED", "OrderCancelled")
    asked = services.asked()
    assert asked[-2:] == [resource.split(":")[1], "erp.cancel_sales_order"]
    assert "threepl.create_shipment" not in asked
    assert not {"billing.refund", "inventory.release"} & set(asked), "the cancellation does it"
    assert services.calls[-1][1]["sales_order"] == {"answered_by": "vendor:erp.create_sales_order"}
    assert log_of(result)[-1] == "FulfillmentCancelled"


def test_a_fulfilment_that_cannot_commit_for_another_reason_refunds_and_fails() -> None:
    services = Services().fail("service:inventory.commit", "Inventory.NotReserved")
    result = services.run("OrderFulfillment", GOOD)
    assert (result.status, result.error) == ("FAILED", "Inventory.NotReserved")
    assert services.asked()[-2:] == ["billing.refund", "inventory.release"]
    assert log_of(result)[-1] == "OrderFailed"


CANCEL = {"order_id": "o1", "order_number": "#1", "reason": "customer"}


def test_a_cancellation_releases_stock_refunds_and_cancels_the_sales_order() -> None:
    services = Services()
    result = services.run("OrderCancellation", CANCEL)
    assert (result.status, end_state(result)) == ("SUCCEEDED", "OrderCancelled")
    assert services.asked() == ["inventory.cancel", "billing.cancel", "erp.cancel_sales_order"]
    assert all(value == {"order_id": "o1"} for _, value in services.calls)


def test_a_cancellation_of_a_shipped_order_fails_for_an_operator_and_touches_no_money() -> None:
    services = Services().fail("service:inventory.cancel", "Inventory.AlreadyShipped")
    result = services.run("OrderCancellation", CANCEL)
    assert (result.status, result.error) == ("FAILED", "Inventory.AlreadyShipped")
    assert services.asked() == ["inventory.cancel"]


REFUND = {
    "order_id": "o1",
    "refund_id": 7,
    "amount_cents": 1250,
    "currency": "EUR",
    "restock_lines": [{"sku": "TEE", "quantity": 1}],
    "returned": True,
}


def test_a_refund_pays_back_then_restocks() -> None:
    services = Services()
    result = services.run("OrderRefund", REFUND)
    assert result.status == "SUCCEEDED"
    assert services.calls == [
        (
            "service:billing.refund",
            {"order_id": "o1", "refund_id": 7, "amount_cents": 1250, "currency": "EUR"},
        ),
        (
            "service:inventory.restock",
            {
                "order_id": "o1",
                "refund_id": 7,
                "lines": [{"sku": "TEE", "quantity": 1}],
                "returned": True,
            },
        ),
    ]


@pytest.mark.parametrize(
    ("document", "asked"),
    [
        ({**REFUND, "restock_lines": []}, ["billing.refund"]),
        ({**REFUND, "amount_cents": 0, "currency": None}, ["inventory.restock"]),
    ],
)
def test_a_refund_asks_only_what_it_needs(document: dict[str, Any], asked: list[str]) -> None:
    services = Services()
    assert services.run("OrderRefund", document).status == "SUCCEEDED"
    assert services.asked() == asked


def test_a_refund_waits_for_a_capture_still_under_way() -> None:
    services = Services().fail("service:billing.refund", "Payment.NotCaptured", times=2)
    assert services.run("OrderRefund", REFUND).status == "SUCCEEDED"
    assert services.asked().count("billing.refund") == 3


def test_a_refund_beyond_the_capture_fails_and_restocks_nothing() -> None:
    services = Services().fail("service:billing.refund", "Billing.RefundExceedsCapture")
    result = services.run("OrderRefund", REFUND)
    assert (result.status, result.error) == ("FAILED", "Billing.RefundExceedsCapture")
    assert services.asked() == ["billing.refund"]


def test_an_order_not_paid_yet_waits_for_its_payment_then_completes() -> None:
    services = Services()
    pending = {**GOOD, "payment": {"financial_status": "pending", "payment_token": None}}
    result = services.run("OrderFulfillment", pending)
    assert (result.status, end_state(result)) == ("SUCCEEDED", "OrderCompleted")
    entered = [h.details["name"] for h in result.history if h.type == "TaskStateEntered"]
    assert "AwaitPayment" in entered and "CapturePayment" not in entered
    assert "PaymentCaptured" in log_of(result), "the order's log says it is paid"
    assert services.calls[2] == (
        "service:billing.capture",
        {
            "order_id": "1001",
            "amount_cents": 2500,
            "currency": "EUR",
            "payment": pending["payment"],
        },
    )


def test_a_payment_voided_while_awaited_releases_the_stock_and_fails_by_name() -> None:
    services = Services().fail("service:billing.capture", "Payment.Voided")
    pending = {**GOOD, "payment": {"financial_status": "pending", "payment_token": None}}
    result = services.run("OrderFulfillment", pending)
    assert (result.status, result.error) == ("FAILED", "Payment.Voided")
    assert services.asked()[-1] == "inventory.release"
    assert "threepl.create_shipment" not in services.asked()


def test_returned_goods_wait_for_the_order_to_ship_before_going_back_to_stock() -> None:
    services = Services().fail("service:inventory.restock", "Inventory.NotShipped", times=3)
    assert services.run("OrderRefund", REFUND).status == "SUCCEEDED"
    assert services.asked().count("inventory.restock") == 4


def test_lines_without_sku_are_looked_up_before_the_order_is_validated() -> None:
    services = Services()
    services.run("OrderFulfillment", {**GOOD, "resolve_skus": True})
    assert services.asked()[0] == "inventory.resolve"
    assert services.calls[0][1] == {"lines": GOOD["lines"]}
    unflagged = Services()
    unflagged.run("OrderFulfillment", GOOD)
    assert "inventory.resolve" not in unflagged.asked()
