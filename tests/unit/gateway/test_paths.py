"""Operation paths that name fields of the request body, and reads that carry it as a query."""

from __future__ import annotations

from orderloom.events.envelope import Envelope
from vendor_gateway.config import GatewayConfig
from vendor_gateway.jobs import REQUEST_TYPE, Job, Refusal, fill_path, query_string, to_job


def test_a_plain_path_is_kept() -> None:
    assert fill_path("/sales-orders", '{"order_id": "1"}') == "/sales-orders"


def test_named_fields_are_filled_from_the_body_and_quoted() -> None:
    body = '{"order_id": "order-shop/1001", "n": 3}'
    assert (
        fill_path("/orders/{order_id}/fulfillments", body)
        == "/orders/order-shop%2F1001/fulfillments"
    )


def test_a_missing_field_or_a_body_that_is_not_json_is_refused() -> None:
    assert fill_path("/products/{sku}", '{"order_id": "1"}') is None
    assert fill_path("/products/{sku}", "not json") is None
    assert fill_path("/products/{sku}", None) is None


def test_a_reads_input_becomes_its_query_string_except_what_the_path_took() -> None:
    body = '{"sku": "TEE/1", "location": "main", "ids": [1, 2], "all": true, "since": null}'
    assert query_string("/products/{sku}", body) == "location=main&ids=1&ids=2&all=true"
    assert query_string("/stock-levels", "{}") == ""
    assert query_string("/stock-levels", None) == ""


def test_a_read_whose_input_cannot_be_a_query_string_is_refused() -> None:
    assert query_string("/stock-levels", '{"filter": {"sku": "A"}}') is None
    assert query_string("/stock-levels", "[1, 2]") is None
    assert query_string("/stock-levels", "not json") is None


def test_a_get_sends_no_body_and_a_post_keeps_its_body() -> None:
    config = GatewayConfig.model_validate(
        {
            "vendors": {
                "erp": {
                    "base_url": "http://erp",
                    "operations": {
                        "get_stock_levels": {"method": "GET", "path": "/stock-levels"},
                        "create_sales_order": {"method": "POST", "path": "/sales-orders"},
                    },
                }
            }
        }
    )

    def job(operation: str, body: str) -> Job | Refusal:
        data = {"request_id": "r1", "vendor": "erp", "operation": operation, "lane": "sync"}
        request = Envelope.new(REQUEST_TYPE, "tests", "e1", {**data, "body": body})
        return to_job(request, (0, 0), config, 0.0)

    read, write = job("get_stock_levels", '{"location": "main"}'), job("create_sales_order", "{}")
    refused = job("get_stock_levels", '{"filter": {}}')

    assert isinstance(read, Job) and isinstance(write, Job)
    assert (read.request.path, read.request.body) == ("/stock-levels?location=main", None)
    assert (write.request.path, write.request.body) == ("/sales-orders", "{}")
    assert isinstance(refused, Refusal) and refused.error == "ERP.BadRequest"


def test_an_idempotency_key_that_cannot_be_a_header_is_refused() -> None:
    config = GatewayConfig.model_validate(
        {
            "vendors": {
                "erp": {
                    "base_url": "http://erp",
                    "operations": {"op": {"method": "POST", "path": "/x"}},
                }
            }
        }
    )
    data = {"request_id": "r1", "vendor": "erp", "operation": "op", "lane": "sync"}

    def job(key: str) -> Job | Refusal:
        request = Envelope.new(REQUEST_TYPE, "tests", "e1", {**data, "idempotency_key": key})
        return to_job(request, (0, 0), config, 0.0)

    refused = job("k1\r\nX-Injected: 1")
    assert isinstance(refused, Refusal) and refused.error == "ERP.BadRequest"
    assert isinstance(job("clé-1"), Job)
