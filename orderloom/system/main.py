"""`orderloom run`: the local stack, every service, the simulators, a stream of orders,
and a summary of what became of them."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from orderloom.settings import OrderloomSettings
from orderloom.stack.process import StackError
from orderloom.system import report
from orderloom.system.layout import CATALOG, Ports, Vendors, children
from orderloom.system.supervisor import Supervisor
from sim.storefront.followups import Followups
from sim.storefront.orders import OrderFactory
from sim.storefront.sender import build, send_webhooks


def run_system(
    settings: OrderloomSettings,
    *,
    orders: int,
    rate: float,
    bad_share: float,
    followups: Followups | None = None,
    vendors: Vendors,
    stay: bool,
    stop: threading.Event,
    then: Callable[[dict[str, Any]], None] | None = None,
    say: Callable[[str], None] = typer.echo,
) -> dict[str, Any]:
    """Start everything, send ``orders`` webhooks at ``rate`` per second (with the
    cancellations and refunds ``followups`` asks for), wait for them to finish, report;
    ``then`` runs against the live system (checks, replays); with ``stay`` keep the system
    up until ``stop`` is set. ``say`` prints progress and the summary."""
    ports, run_dir = Ports(), settings.stack.home / "run"
    secret = _secret(run_dir)
    supervisor = Supervisor(run_dir, {"ORDERLOOM_WEBHOOK_SECRET": secret})
    started_at = datetime.now(UTC)
    try:
        _seed()
        for child in children(ports, run_dir, vendors):
            say(f"starting {child.name}")
            supervisor.start(child)
        _console_admin(run_dir)
        factory = OrderFactory(
            secret, seed=int(time.time()), bad_share=bad_share, first_id=int(time.time() * 1000)
        )
        url = f"http://127.0.0.1:{ports.order_api}/webhooks/orders"
        webhooks = build(factory, orders, followups=followups)
        pace = f"{rate:g}/s" if rate else "once"
        say(f"sending {orders} orders and {len(webhooks) - orders} follow-ups at {pace} to {url}")
        sent = asyncio.run(send_webhooks(url, webhooks, rate=rate or None)).as_dict()
        outcomes = _wait(settings, supervisor, started_at, sent["accepted"])
        summary = report.summary(
            outcomes,
            sent,
            report.vendor_stats(f"http://127.0.0.1:{ports.erp}"),
            report.vendor_stats(f"http://127.0.0.1:{ports.storefront}"),
        )
        summary["since"] = started_at.isoformat()
        say(report.explain(summary, f"http://127.0.0.1:{ports.console}"))
        say(json.dumps(summary))
        if then is not None:
            then(summary)
        if stay:
            say("\nThe system keeps running; Ctrl-C stops everything it started.")
            while not stop.wait(1.0) and not supervisor.dead():
                pass
        return summary
    finally:
        supervisor.stop_all()


def _secret(run_dir: Path) -> str:
    """The webhook secret of this machine's runs, kept so `storefront send` can sign too."""
    path = run_dir / "webhook-secret"
    run_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
    return str(path.read_text().strip())


def _seed() -> None:
    """Stock for the catalogue's SKUs (seeding twice changes nothing)."""
    done = subprocess.run(
        [sys.executable, "-m", "orderloom", "inventory", "seed", "--catalog", str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"seeding the stock ledger failed:\n{done.stdout}{done.stderr}")


def _console_admin(run_dir: Path) -> None:
    """An ``admin`` console user whose password is kept in the run folder (created once)."""
    path = run_dir / "admin-password"
    if path.exists():
        return
    password = secrets.token_urlsafe(12)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orderloom",
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            "--actor",
            "orderloom-run",
        ],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"creating the console's admin user failed:\n{done.stdout}{done.stderr}")
    path.write_text(password)


def _wait(
    settings: OrderloomSettings,
    supervisor: Supervisor,
    since: datetime,
    accepted: int,
    timeout_s: float = 600.0,
) -> Any:
    """Until every accepted order's execution has finished (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    outcomes = report.order_outcomes(settings.postgres.dsn, since)
    while report.finished(outcomes) < accepted and time.monotonic() < deadline:
        if dead := supervisor.dead():
            raise StackError(f"stopped on its own: {', '.join(dead)} (see .local/run/*.log)")
        time.sleep(1.0)
        outcomes = report.order_outcomes(settings.postgres.dsn, since)
    return outcomes
