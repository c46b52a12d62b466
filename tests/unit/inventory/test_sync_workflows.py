"""The InventorySync and ProductSync definitions, run on a virtual clock against the real
ledger rules: what the ERP says changed, and only that, is queued for the storefront."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inventory_service.commands import parse
from inventory_service.domain import apply, decide
from inventory_service.model import Answered, Item, Stock
from orderloom.settings import PROJECT_ROOT
from orderloom.workflow.execution import FAILED, SUCCEEDED
from orderloom.workflow.local import LocalResult, run_local
from orderloom.workflow.schedules import load
from sim import erp
from sim.vendor import fixtures

SERVICE = PROJECT_ROOT / "services" / "inventory"
CATALOG = json.loads((PROJECT_ROOT / "sim" / "catalog.json").read_text())


def definition(workflow: str) -> dict[str, Any]:
    (schedule,) = [s for s in load(SERVICE / "schedules.toml") if s.workflow == workflow]
    return schedule.definition


class VendorError(Exception):
    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(cause)
        self.error, self.cause = error, cause


class Ledger:
    """The inventory service's rules over an in-memory stock, as its task handler runs them."""

    def __init__(self, items: dict[str, Item]) -> None:
        self.stock = Stock(items)

    def handler(self, action: str) -> Any:
        def handle(request: Any) -> Any:
            decided = decide(self.stock, parse(action, json.dumps(request)))
            self.stock = apply(self.stock, decided)
            (answer,) = [e for e in decided if isinstance(e, Answered)]
            if answer.error:
                raise VendorError(answer.error, answer.cause)
            return answer.output

        return handle


def told(reserved: dict[str, int] | None = None) -> dict[str, Item]:
    """The catalogue seeded, some of it reserved, and every availability already pushed."""
    items = {}
    for p in CATALOG["products"]:
        held = (reserved or {}).get(p["sku"], 0)
        on_hand = p["initial_stock"]
        items[p["sku"]] = Item(
            p["sku"], on_hand, held, title=p["title"], price_cents=p["price_cents"],
            reported=on_hand - held,
        )  # fmt: skip
    return items


def sync(workflow: str, ledger: Ledger, erp_answers: list[Any], pushed: list[Any]) -> LocalResult:
    """One run: the ERP answers (or raises) in turn, the storefront queue records requests."""
    read, action, push = {
        "InventorySync": ("vendor:erp.get_stock_levels", "apply_levels", "set_stock_level"),
        "ProductSync": ("vendor:erp.get_products", "apply_products", "update_product"),
    }[workflow]

    def erp_read(request: Any) -> Any:
        answer = erp_answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def queue(request: Any) -> Any:
        pushed.append(request)
        return {"queued": True, "request_id": f"r{len(pushed)}"}

    handlers = {
        read: erp_read,
        f"service:inventory.{action}": ledger.handler(action),
        f"vendor-async:storefront.{push}": queue,
    }
    return run_local(definition(workflow), {}, handlers, workflow=workflow)


def test_only_the_levels_that_changed_are_pushed_and_a_second_run_pushes_nothing() -> None:
    ledger, pushed = Ledger(told(reserved={"TEE-BLA-001": 30})), list[Any]()
    levels = erp.stock_levels(CATALOG)

    first = sync("InventorySync", ledger, [levels], pushed)
    again = sync("InventorySync", ledger, [levels], pushed)

    short = {x["sku"]: x["on_hand"] for x in levels["levels"][::3]}
    assert first.status == SUCCEEDED
    assert first.output == {"changed": len(short), "queued": len(short), "failed": []}
    assert {x["sku"]: x["available"] for x in pushed} == {
        sku: on_hand - (30 if sku == "TEE-BLA-001" else 0) for sku, on_hand in short.items()
    }
    assert again.status == SUCCEEDED and again.output["changed"] == 0
    assert len(pushed) == len(short)


def test_products_push_title_and_price_of_what_changed() -> None:
    ledger, pushed = Ledger(told()), list[Any]()

    result = sync("ProductSync", ledger, [erp.products(CATALOG)], pushed)

    repriced = CATALOG["products"][::5]
    assert result.status == SUCCEEDED and result.output["queued"] == len(repriced)
    assert pushed[0] == {
        "sku": repriced[0]["sku"],
        "product": {"title": repriced[0]["title"], "price_cents": repriced[0]["price_cents"] + 100},
    }


def test_the_erps_transient_errors_are_retried() -> None:
    busy = [VendorError("ERP.HTTP503", '{"status": 503}'), VendorError("ERP.Timeout")]
    ledger, pushed = Ledger(told()), list[Any]()

    result = sync("InventorySync", ledger, [*busy, erp.stock_levels(CATALOG)], pushed)

    attempts = [e for e in result.history if e.type == "TaskScheduled"][:3]
    assert result.status == SUCCEEDED and pushed
    assert [e.details["attempt"] for e in attempts] == [1, 2, 3]


@pytest.mark.parametrize(
    "failure",
    [VendorError("ERP.HTTP500", '{"status": 500, "body": "boom"}'), VendorError("ERP.HTTP401")],
)
def test_an_erp_read_that_fails_for_good_fails_the_run_with_the_erps_error(
    failure: VendorError,
) -> None:
    ledger, pushed = Ledger(told()), list[Any]()

    result = sync("InventorySync", ledger, [failure], pushed)

    assert (result.status, result.error, result.cause) == (FAILED, failure.error, failure.cause)
    assert pushed == []


def test_an_item_that_cannot_be_queued_is_named_and_the_others_still_go() -> None:
    pushed: list[Any] = []
    answer = {"changed": [{"sku": "A", "available": 1}, {"sku": "B"}, {"sku": "C", "available": 3}]}

    def queue(request: Any) -> Any:
        pushed.append(request)
        return {"queued": True}

    handlers = {
        "vendor:erp.get_stock_levels": lambda _: {"levels": []},
        "service:inventory.apply_levels": lambda _: answer,
        "vendor-async:storefront.set_stock_level": queue,
    }

    result = run_local(definition("InventorySync"), {}, handlers)

    assert [x["sku"] for x in pushed] == ["A", "C"]
    assert (result.status, result.error) == (FAILED, "InventorySync.PushFailed")
    assert result.cause == (
        '1 of 3 changed levels not queued: [{"sku":"B","failure":{'
        '"Error":"States.ParameterPathFailure",'
        '"Cause":"the path $.available for the field available.$ selected nothing"}}]'
    )


def test_the_erps_fixtures_are_written_where_the_simulator_reads_them(tmp_path: Path) -> None:
    specs = erp.write_fixtures(PROJECT_ROOT / "sim" / "catalog.json", tmp_path)

    served = fixtures.load(specs)

    assert served == {
        ("GET", "/stock-levels"): erp.stock_levels(CATALOG),
        ("GET", "/products"): erp.products(CATALOG),
    }
    assert erp.stock_levels(CATALOG) == erp.stock_levels(CATALOG)


def test_the_erp_counts_reserved_units_as_on_hand_as_the_seed_does() -> None:
    levels = erp.stock_levels(CATALOG, reserved={"TEE-BLA-001": 30, "TEE-WHI-002": 5})

    on_hand = {x["sku"]: x["on_hand"] for x in levels["levels"]}

    assert (on_hand["TEE-BLA-001"], on_hand["TEE-WHI-002"]) == (30 + 2000 - 200, 5 + 500)
