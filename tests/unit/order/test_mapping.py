"""Given a storefront webhook, when it is mapped, then the workflow input and the events
carry exactly the storefront's amounts, in integer minor units, under derived ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from order_service.intake import ORDER_EVENTS, WORKFLOW_INPUTS, definitions, records
from order_service.mapping import (
    order_cancelled,
    order_received,
    refund_requested,
    restock_lines,
    workflow_input,
)
from order_service.money import to_minor_units
from order_service.webhooks import Cancellation, Order, Refund
from tests.unit.order import shopify_payloads as shopify

SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#9999",
    "email": "jon@example.com",
    "created_at": "2024-11-29T10:00:00-05:00",
    "currency": "USD",
    "total_price": "0.30",
    "subtotal_price": "0.30",
    "financial_status": "authorized",
    "line_items": [
        {"sku": "TEE-BLA-001", "quantity": 1, "price": "0.10", "title": "Black Tee"},
        {"sku": "TEE-WHI-002", "quantity": 2, "price": "0.10", "variant_id": 7},
    ],
    "shipping_address": {"first_name": "Jon", "last_name": "Doe", "country_code": "CA"},
    "payment_details": {"payment_token": "tok_ok"},
    "note_attributes": [],
}


@pytest.mark.parametrize(
    ("amount", "currency", "cents"),
    [
        ("0.10", "USD", 10),
        ("19.99", "USD", 1999),
        ("1234567890123.45", "EUR", 123456789012345),
        ("7", "USD", 700),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0.1", "GBP", 10),
    ],
)
def test_amounts_become_exact_minor_units(amount: str, currency: str, cents: int) -> None:
    assert to_minor_units(amount, currency) == cents


@pytest.mark.parametrize(("amount", "currency"), [("0.001", "USD"), ("1.5", "JPY"), ("NaN", "USD")])
def test_amounts_that_do_not_fit_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValueError, match=amount):
        to_minor_units(amount, currency)


def test_an_order_becomes_the_workflow_input() -> None:
    assert workflow_input("acme", Order.model_validate(SHOPIFY_ORDER)) == {
        "order_id": "order-acme-820982911946154508",
        "order_number": "#9999",
        "email": "jon@example.com",
        "currency": "USD",
        "total_cents": 30,
        "lines": [
            {
                "sku": "TEE-BLA-001",
                "quantity": 1,
                "price_cents": 10,
                "variant_id": None,
                "product_id": None,
            },
            {
                "sku": "TEE-WHI-002",
                "quantity": 2,
                "price_cents": 10,
                "variant_id": 7,
                "product_id": None,
            },
        ],
        "shipping_address": {
            "name": "Jon Doe",
            "company": None,
            "address1": None,
            "address2": None,
            "city": None,
            "province_code": None,
            "zip": None,
            "country_code": "CA",
            "phone": None,
        },
        "resolve_skus": False,
        "payment": {
            "financial_status": "authorized",
            "payment_token": "tok_ok",
            "storefront_order_id": 820982911946154508,
            "authorization_id": None,
        },
        "shop": "acme",
        "storefront_order_id": 820982911946154508,
    }


def test_an_order_starts_its_execution_then_records_its_receipt_under_derived_ids() -> None:
    order = Order.model_validate(SHOPIFY_ORDER)
    first = records(order, "acme", "wh-1", definitions())
    again = records(order, "acme", "wh-2", definitions())

    (start_topic, start), (event_topic, received) = first.records
    assert (start_topic, event_topic) == (WORKFLOW_INPUTS, ORDER_EVENTS)
    assert start.type == "orderloom.workflow.StartExecution"
    assert start.data["execution_id"] == start.key == "order-acme-820982911946154508"
    assert start.data["workflow"] == "OrderFulfillment"
    assert json.loads(start.data["input"])["total_cents"] == 30
    assert received.type == "orderloom.order.OrderReceived"
    assert received.key == received.data["order_id"] == start.key
    assert received.data["created_at"] == datetime(2024, 11, 29, 15, 0, tzinfo=UTC)
    assert received.data["lines"][0]["title"] == "Black Tee"
    assert first.marker == received.id == "order-acme-820982911946154508/received"
    assert [e.id for _, e in again.records] == [e.id for _, e in first.records]


def test_a_cancellation_and_a_refund_map_to_their_events() -> None:
    cancelled = order_cancelled(
        "acme",
        Cancellation.model_validate({**SHOPIFY_ORDER, "cancel_reason": "customer"}),
        "wh-3",
    )
    assert cancelled["order_id"] == "order-acme-820982911946154508"
    assert cancelled["cancel_reason"] == "customer"
    refund = Refund.model_validate(
        {
            "id": 929361462,
            "order_id": 820982911946154508,
            "restock": True,
            "refund_line_items": [
                {"quantity": 1, "subtotal": "0.10", "line_item": {"sku": "TEE-BLA-001"}}
            ],
            "transactions": [
                {"amount": "0.10", "currency": "USD", "kind": "refund", "status": "success"},
                {"amount": "0.05", "currency": "USD", "kind": "refund", "status": "success"},
                {"amount": "9.99", "currency": "USD", "kind": "sale"},
            ],
        }
    )
    data = refund_requested("acme", refund, None)
    assert (data["amount_cents"], data["currency"]) == (15, "USD")
    assert data["lines"] == [
        {"sku": "TEE-BLA-001", "quantity": 1, "subtotal_cents": 10, "restock_type": None}
    ]
    assert records(refund, "acme", None, definitions()).marker == (
        "order-acme-820982911946154508/refund/929361462"
    )


def test_a_cancellation_starts_its_execution_once_then_records_the_cancellation() -> None:
    cancellation = Cancellation.model_validate({**SHOPIFY_ORDER, "cancel_reason": "customer"})
    first = records(cancellation, "acme", "wh-3", definitions())
    again = records(cancellation, "acme", "wh-4", definitions())
    (start_topic, start), (event_topic, cancelled) = first.records
    assert (start_topic, event_topic) == (WORKFLOW_INPUTS, ORDER_EVENTS)
    assert start.data["workflow"] == "OrderCancellation"
    assert start.key == start.data["execution_id"] == "order-acme-820982911946154508-cancellation"
    assert start.correlation_id == "order-acme-820982911946154508"
    assert json.loads(start.data["input"]) == {
        "order_id": "order-acme-820982911946154508",
        "order_number": "#9999",
        "reason": "customer",
    }
    assert cancelled.type == "orderloom.order.OrderCancelled"
    assert first.marker == cancelled.id == "order-acme-820982911946154508/cancelled"
    assert [e.id for _, e in again.records] == [e.id for _, e in first.records]


def refund_of(*lines: dict[str, object], restock: bool | None = None) -> Refund:
    return Refund.model_validate(
        {
            "id": 55,
            "order_id": 820982911946154508,
            "restock": restock,
            "refund_line_items": list(lines),
            "transactions": [{"amount": "0.20", "currency": "USD", "kind": "refund"}],
        }
    )


def line(sku: str, quantity: int, restock_type: str | None = None) -> dict[str, object]:
    return {"quantity": quantity, "line_item": {"sku": sku}, "restock_type": restock_type}


def test_a_refund_starts_its_own_execution_with_the_lines_it_restocks() -> None:
    refund = refund_of(
        line("TEE-BLA-001", 1, "return"),
        line("TEE-WHI-002", 1, "no_restock"),
        line("TEE-WHI-002", 1, "cancel"),
        line("TEE-BLA-001", 2, "legacy_restock"),
    )
    delivery = records(refund, "acme", "wh-5", definitions())
    (_, start), (_, requested) = delivery.records
    assert start.data["workflow"] == "OrderRefund"
    assert start.data["execution_id"] == "order-acme-820982911946154508-refund-55"
    assert json.loads(start.data["input"]) == {
        "order_id": "order-acme-820982911946154508",
        "refund_id": 55,
        "amount_cents": 20,
        "currency": "USD",
        "restock_lines": [
            {"sku": "TEE-BLA-001", "quantity": 3},
            {"sku": "TEE-WHI-002", "quantity": 1},
        ],
        "returned": True,
    }
    assert requested.data["lines"][1]["restock_type"] == "no_restock"
    assert delivery.marker == requested.id


def test_without_a_restock_type_the_refunds_restock_flag_decides() -> None:
    assert restock_lines(refund_of(line("TEE-BLA-001", 1), restock=True)) == [
        {"sku": "TEE-BLA-001", "quantity": 1}
    ]
    assert restock_lines(refund_of(line("TEE-BLA-001", 1), restock=False)) == []
    assert restock_lines(refund_of({"quantity": 1, "restock_type": "return"})) == []


def test_an_unknown_restock_type_puts_nothing_back() -> None:
    assert restock_lines(refund_of(line("TEE-BLA-001", 1, "donate"), restock=True)) == []


def test_shopifys_order_maps_its_shop_money_each_line_and_its_authorization() -> None:
    document = workflow_input("acme", Order.model_validate(shopify.order()))
    assert (document["total_cents"], document["currency"]) == (2447, "USD")
    assert [(x["sku"], x["price_cents"]) for x in document["lines"]] == [
        ("TEE-BLA-001", 500),
        ("TEE-BLA-001", 500),
        ("TEE-NAV-003", 900),
    ]
    assert document["payment"] == {
        "financial_status": "authorized",
        "payment_token": None,
        "storefront_order_id": shopify.ORDER_ID,
        "authorization_id": shopify.AUTHORIZATION_ID,
    }
    assert document["shipping_address"]["country_code"] == "CA"


def test_the_shop_money_wins_over_the_plain_amount() -> None:
    body = {**shopify.order(), "total_price": "99.99"}
    assert workflow_input("acme", Order.model_validate(body))["total_cents"] == 2447


@pytest.mark.parametrize("status", shopify.FINANCIAL_STATUSES)
def test_each_financial_status_reaches_the_workflow_and_the_received_event(status: str) -> None:
    order = Order.model_validate(shopify.order(status))
    assert workflow_input("acme", order)["payment"]["financial_status"] == status
    assert order_received("acme", order, None)["financial_status"] == status


def test_shopifys_refund_counts_only_its_successful_refund_transactions() -> None:
    data = refund_requested("acme", Refund.model_validate(shopify.refund()), None)
    assert (data["amount_cents"], data["currency"]) == (500, "USD")
    assert data["lines"] == [
        {"sku": "TEE-BLA-001", "quantity": 1, "subtotal_cents": 500, "restock_type": "return"}
    ]


def test_shopifys_cancellation_maps_its_reason_and_status() -> None:
    data = order_cancelled("acme", Cancellation.model_validate(shopify.cancelled()), None)
    assert (data["cancel_reason"], data["financial_status"]) == ("customer", "voided")
