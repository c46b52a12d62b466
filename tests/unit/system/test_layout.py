"""What `orderloom run` starts: the console is told where the gateway's status server is, and
each long-running service has a health port of its own, whose /readyz is its ready check."""

from __future__ import annotations

import tomllib
from pathlib import Path

from orderloom.system.layout import Ports, Vendors, children

SERVICES = ("inventory", "billing", "runner", "projector", "scheduler", "order-event-log")


def test_the_console_is_told_the_gateways_status_url(tmp_path: Path) -> None:
    ports = Ports()
    started = {c.name: c for c in children(ports, tmp_path, Vendors(), [])}
    gateway = tomllib.loads((tmp_path / "vendors.toml").read_text())

    assert started["console"].env == {
        "ORDERLOOM_CONSOLE__GATEWAY_URL": f"http://127.0.0.1:{gateway['status_port']}"
    }


def test_each_long_running_service_serves_its_health_on_a_port_of_its_own(tmp_path: Path) -> None:
    ports = Ports()
    started = {c.name: c for c in children(ports, tmp_path, Vendors(), [])}
    health = [int(started[name].env["ORDERLOOM_HEALTH__PORT"]) for name in SERVICES]

    assert len(set(health)) == len(SERVICES)
    assert not set(health) & {
        ports.order_api, ports.storefront, ports.console, ports.erp, ports.threepl,
        ports.payments, ports.gateway_status,
    }  # fmt: skip
