"""A customer-service manager fixes a failed order in the browser: sign in, filter to the
failed order, open it, see the failed step marked, edit its input, redrive, watch it finish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from console_service import access
from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System
from tests.integration.console.support import ORDER_FLOW, PgConn, order, status_of
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration
PASSWORD = "manager password 1"


def test_manager_fixes_a_failed_order_in_the_browser(
    system: System, browser: Browser, console_url: str, codec: EventCodec, pg: PgConn, shots: Path
) -> None:
    access.add_user(pg, "manager", PASSWORD, "operator")
    orders = {f"ord-{n}": order(n, quantity=1) for n in range(7001, 7006)}
    orders["ord-7006"] = order(7006, quantity=0)
    start_all(system.settings, codec, orders, ORDER_FLOW)
    status_of(pg, "ord-7006", "FAILED")
    status_of(pg, "ord-7005", "SUCCEEDED")

    page = browser.new_page(viewport={"width": 1360, "height": 900})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(console_url + "/")
    expect(page.locator("header.top")).to_have_css("background-color", "rgb(16, 24, 40)")
    page.screenshot(path=shots / "01-login.png")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Orders in progress and done")
    page.screenshot(path=shots / "02-orders.png", full_page=True)

    page.fill("input[name=q]", "customer7006@example.com")
    page.select_option("select[name=status]", "FAILED")
    page.click("button:has-text('Find')")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.screenshot(path=shots / "03-filtered.png", full_page=True)
    page.click("text=order-ord-7006")

    failed = page.locator("svg g.node", has_text="Validate").locator("path, polygon").first
    expect(failed).to_have_attribute("stroke", "#b42318")
    expect(page.locator(".card.bad")).to_contain_text("ValueError")
    page.screenshot(path=shots / "04-failed-order.png", full_page=True)
    page.locator("svg g.node", has_text="Validate").locator("a").first.click()
    expect(page.locator("tr:target")).to_contain_text("Validate")

    text = (
        page.locator("textarea[name=input]").input_value().replace('"quantity": 0', '"quantity": 2')
    )
    page.fill("textarea[name=input]", text)
    page.fill("input[name=reason]", "Customer confirmed two pieces by phone")
    page.click("button:has-text('Review the change')")
    expect(page.locator("pre.diff .dadd")).to_contain_text('"quantity": 2')
    page.screenshot(path=shots / "05-review-change.png", full_page=True)
    page.click("button:has-text('Redrive now')")
    expect(page.locator(".notice.good")).to_contain_text("Redrive requested")

    status_of(pg, "ord-7006", "SUCCEEDED", redrives=1)
    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("Succeeded")
    expect(page.locator(".timeline")).to_contain_text("Customer confirmed two pieces by phone")
    page.screenshot(path=shots / "06-succeeded.png", full_page=True)

    page.goto(console_url + "/bulk-redrive?error=ERP.Timeout&count=1")
    page.screenshot(path=shots / "07-bulk-redrive.png", full_page=True)
    page.goto(console_url + "/vendors")
    expect(page.locator("main")).to_contain_text("not answering")
    page.screenshot(path=shots / "08-vendors.png", full_page=True)
    page.goto(console_url + "/audit")
    expect(page.locator("table.list")).to_contain_text("manager")
    page.screenshot(path=shots / "09-audit.png", full_page=True)
    assert refused == [], "the Content-Security-Policy blocked something the pages use"
