"""Shopify-shaped orders through the whole system, as `orderloom run` runs it: each ends as
its financial_status says. Paid completes with nothing captured; authorized is captured
once through the storefront's API (a repeated webhook changes nothing); pending waits in
AwaitPayment until orders/paid, then completes; voided is rejected, not fulfilled. A line
without SKU whose variant the catalogue knows is shipped as its SKU; one whose variant it
does not know, and an order without shipping address, are accepted and fail at
ValidateOrder naming the field; the first, redriven with the SKU filled in, completes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from orderloom.cli.executions import app
from orderloom.settings import OrderloomSettings
from orderloom.system import report
from orderloom.system.layout import Ports, Vendors
from orderloom.system.main import run_system
from sim.storefront.orders import sign
from tests.unit.order import shopify_payloads as shopify

URL = "http://127.0.0.1:18080/webhooks/orders"
NAVY_TEE_VARIANT = 44610569208042
"""TEE-NAV-003's storefront variant in sim/catalog.json."""
SHOP = "orderloom-demo.myshopify.com"


def _send(secret: str, topic: str, payload: dict[str, Any], hook: str) -> int:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(secret.encode(), body),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": hook,
        "X-Shopify-API-Version": "2024-10",
    }
    return httpx.post(URL, content=body, headers=headers, timeout=30).status_code


def _runs(dsn: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT execution_id, status, error, cause, current_state, redrive_count, input"
            " FROM executions WHERE execution_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _until(dsn: str, ids: list[str], done: Any, timeout_s: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    runs = _runs(dsn, ids)
    while not done(runs) and time.monotonic() < deadline:
        time.sleep(1.0)
        runs = _runs(dsn, ids)
    return runs


def _captures(dsn: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT order_id, status, method, attempt, amount_cents"
            " FROM billing.payment_operations WHERE kind = 'capture' AND order_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_each_financial_status_ends_as_it_should_and_unusable_orders_fail_by_name(
    isolated: OrderloomSettings, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def scenario(_: dict[str, Any]) -> None:
        secret = (isolated.stack.home / "run" / "webhook-secret").read_text().strip()
        base = 820_000_000_000_000_000 + int(time.time() * 1000) * 10
        ids = {name: base + n for n, name in enumerate(("paid", "authorized", "pending"))}
        ids |= {"voided": base + 3, "no_sku": base + 4, "no_address": base + 5}
        ids |= {"by_variant": base + 6}
        key = {name: f"order-orderloom-demo-{i}" for name, i in ids.items()}
        dsn = isolated.postgres.dsn
        statuses = {"paid": "paid", "authorized": "authorized", "pending": "pending"}
        statuses |= {"voided": "voided", "no_sku": "paid", "no_address": "paid"}
        statuses |= {"by_variant": "paid"}
        for name, i in ids.items():
            bare = name in ("no_sku", "by_variant")
            skus = ("TEE-BLA-001", None) if bare else ("TEE-BLA-001", "TEE-BLA-001")
            order = shopify.order(statuses[name], order_id=i, skus=skus)
            if name == "no_address":
                order["shipping_address"] = None
            if name == "by_variant":
                order["line_items"][1].update(variant_id=NAVY_TEE_VARIANT, product_id=None)
            assert _send(secret, "orders/create", order, f"wh-{i}") == 202, name
        again = shopify.order("authorized", order_id=ids["authorized"])
        seen["repeat"] = _send(secret, "orders/create", again, f"wh-{ids['authorized']}-again")

        finished = [
            key[n] for n in ("paid", "authorized", "voided", "no_sku", "no_address", "by_variant")
        ]
        seen["first"] = _until(
            dsn,
            [*finished, key["pending"]],
            lambda runs: (
                all(runs.get(k, ("RUNNING",))[0] != "RUNNING" for k in finished)
                and runs.get(key["pending"], (None,) * 4)[3] == "AwaitPayment"
            ),
        )
        seen["awaiting"] = _captures(dsn, [key["pending"]])

        assert _send(secret, "orders/paid", shopify.paid(ids["pending"]), "wh-paid") == 202
        seen["paid_late"] = _until(
            dsn, [key["pending"]], lambda runs: runs[key["pending"]][0] == "SUCCEEDED"
        )

        document = seen["first"][key["no_sku"]][5]
        document["lines"][1]["sku"] = "TEE-NAV-003"
        edited = tmp_path / "fixed.json"
        edited.write_text(json.dumps(document))
        env = {
            "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": isolated.kafka.bootstrap_servers,
            "ORDERLOOM_KAFKA__TOPIC_PREFIX": isolated.kafka.topic_prefix,
            "ORDERLOOM_POSTGRES__DSN": make_conninfo(dsn),
        }
        redrive = ["redrive", key["no_sku"], "--reason", "custom line is a Navy Tee"]
        seen["redrive"] = CliRunner().invoke(app, [*redrive, "--input", str(edited)], env=env)
        seen["redriven"] = _until(
            dsn, [key["no_sku"]], lambda runs: runs[key["no_sku"]][:1] == ("SUCCEEDED",)
        )
        seen["captures"] = _captures(dsn, list(key.values()))
        with psycopg.connect(dsn) as conn:
            seen["reserved"] = conn.execute(
                "SELECT sku, quantity FROM inventory.reservations WHERE order_id = %s"
                " ORDER BY line",
                (key["by_variant"],),
            ).fetchall()
        seen["storefront"] = report.vendor_stats(f"http://127.0.0.1:{Ports().storefront}")
        seen["key"] = key

    run_system(
        isolated,
        orders=0,
        rate=0,
        bad_share=0.0,
        vendors=Vendors(),
        stay=False,
        stop=threading.Event(),
        then=scenario,
    )

    key, first, captures = seen["key"], seen["first"], seen["captures"]
    assert seen["repeat"] == 200, "a repeated webhook is a duplicate"
    assert first[key["paid"]][:1] == ("SUCCEEDED",)
    assert first[key["authorized"]][:1] == ("SUCCEEDED",)
    status, error, _, state = first[key["voided"]][:4]
    assert (status, error, state) == ("FAILED", "Order.Voided", "OrderRejected")
    status, error, cause, state = first[key["no_sku"]][:4]
    assert (status, error, state) == ("FAILED", "Order.MissingSku", "ValidateOrder")
    assert (
        cause == "lines[1].sku: no SKU and variant 39072866, product 3907286 not in the catalogue"
    )
    assert first[key["by_variant"]][:1] == ("SUCCEEDED",)
    assert seen["reserved"] == [("TEE-BLA-001", 1), ("TEE-NAV-003", 1)], "found by its variant"
    status, error, cause, state = first[key["no_address"]][:4]
    assert (status, error, state) == ("FAILED", "Order.Invalid", "ValidateOrder")
    assert cause.startswith("shipping_address: missing")
    assert first[key["pending"]][:1] == ("RUNNING",)
    assert seen["awaiting"][key["pending"]][:2] == ("awaiting", "storefront")
    assert seen["paid_late"][key["pending"]][:1] == ("SUCCEEDED",)
    assert seen["redrive"].exit_code == 0, seen["redrive"].output
    assert seen["redriven"][key["no_sku"]][:1] == ("SUCCEEDED",)
    assert seen["redriven"][key["no_sku"]][4] == 1
    assert captures[key["paid"]][:2] == ("paid", "storefront")
    assert captures[key["pending"]][:2] == ("paid", "storefront")
    assert captures[key["authorized"]][:3] == ("done", "storefront", 1)
    assert key["voided"] not in captures, "a voided order reaches no payment step"
    shop = seen["storefront"]
    assert (shop["captures"], shop["refused_captures"]) == (1, 0), "captured once, only it"
