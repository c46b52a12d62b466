"""`orderloom run`: the local stack, every service, the simulators, a stream of orders,
and a summary of what became of them."""

from __future__ import annotations

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

import httpx
import typer
import uvloop
from confluent_kafka.admin import AdminClient

from orderloom.kafka.topics import apply, topic_specs
from orderloom.settings import OrderloomSettings
from orderloom.stack.process import StackError
from orderloom.system import report
from orderloom.system.layout import CATALOG, Ports, Vendors, children
from orderloom.system.supervisor import Supervisor
from sim import erp
from sim.storefront.followups import Followups
from sim.storefront.orders import Kind, OrderFactory
from sim.storefront.sender import build, send_webhooks

LANES = ("sync", "async")


def run_system(
    settings: OrderloomSettings,
    *,
    orders: int,
    rate: float,
    bad_share: float,
    followups: Followups | None = None,
    vendors: Vendors,
    catalog: Path = CATALOG,
    stay: bool,
    stop: threading.Event,
    then: Callable[[dict[str, Any]], None] | None = None,
    say: Callable[[str], None] = typer.echo,
) -> dict[str, Any]:
    """Start everything on the topics of ``settings``' prefix (created if missing), send
    ``orders`` webhooks at ``rate`` per second (with the cancellations and refunds
    ``followups`` asks for), wait for them to finish, report; ``then`` runs against the live
    system (checks, replays); with ``stay`` keep the system up until ``stop`` is set.
    ``catalog`` is the stock seeded and the ERP's. ``say`` prints progress and the summary."""
    ports, run_dir = Ports(), settings.stack.home / "run"
    secret = _secret(run_dir)
    env = {"ORDERLOOM_WEBHOOK_SECRET": secret}
    if settings.kafka.topic_prefix:
        env["ORDERLOOM_KAFKA__TOPIC_PREFIX"] = settings.kafka.topic_prefix
    supervisor = Supervisor(run_dir, env, say=say)
    started_at = datetime.now(UTC)
    try:
        apply(
            AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers}),
            topic_specs(settings.kafka),
        )
        _seed(catalog)
        fixtures = erp.write_fixtures(catalog, run_dir / "erp", _reserved())
        for child in children(ports, run_dir, vendors, fixtures):
            _going_on(supervisor, stop)
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
        report.reset_vendor_stats(f"http://127.0.0.1:{ports.erp}")
        sent = uvloop.run(send_webhooks(url, webhooks, rate=rate or None)).as_dict()
        outcomes = _wait(settings, supervisor, stop, started_at, _executions(sent))
        storefront = f"http://127.0.0.1:{ports.storefront}"
        syncs = _wait_for_syncs(settings, supervisor, stop, started_at, storefront)
        _wait_for_vendor_calls(f"http://127.0.0.1:{ports.gateway_status}/pools")
        summary = report.summary(
            outcomes,
            sent,
            report.vendor_stats(f"http://127.0.0.1:{ports.erp}"),
            report.vendor_stats(storefront),
            syncs,
            supervisor.restarts(),
        )
        summary["since"] = started_at.isoformat()
        say(report.explain(summary, f"http://127.0.0.1:{ports.console}"))
        say(json.dumps(summary))
        if then is not None:
            then(summary)
        if stay:
            say("\nThe system keeps running; Ctrl-C stops everything it started.")
            while not stop.wait(1.0):
                supervisor.check()
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


def _seed(catalog: Path) -> None:
    """Stock for the catalogue's SKUs (seeding twice changes nothing)."""
    done = subprocess.run(
        [sys.executable, "-m", "orderloom", "inventory", "seed", "--catalog", str(catalog)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"seeding the stock ledger failed:\n{done.stdout}{done.stderr}")


def _reserved() -> dict[str, int]:
    """What the ledger holds for orders, per SKU: the simulated ERP counts it as on hand."""
    done = subprocess.run(
        [sys.executable, "-m", "orderloom", "inventory", "stock", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"reading the stock ledger failed:\n{done.stdout}{done.stderr}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {row["sku"]: int(row["reserved"]) for row in rows}


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


def _going_on(supervisor: Supervisor, stop: threading.Event) -> None:
    """Raise when a child was given up on, or when Ctrl-C or SIGTERM asked the run to stop."""
    supervisor.check()
    if stop.is_set():
        raise StackError("stopped by Ctrl-C or SIGTERM before the run's summary")


def _executions(sent: dict[str, Any]) -> int:
    """The executions the accepted webhooks start: all but payment updates (orders/paid)."""
    answers = sent["by_kind"].get(Kind.PAYMENT.value, {})
    updates: int = sum(n for status, n in answers.items() if 200 <= int(status) < 300)
    return int(sent["accepted"]) - updates


def _wait(
    settings: OrderloomSettings,
    supervisor: Supervisor,
    stop: threading.Event,
    since: datetime,
    accepted: int,
    timeout_s: float = 600.0,
) -> Any:
    """Until every accepted order's execution has finished (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    outcomes = report.order_outcomes(settings.postgres.dsn, since)
    while report.finished(outcomes) < accepted and time.monotonic() < deadline:
        _going_on(supervisor, stop)
        time.sleep(1.0)
        outcomes = report.order_outcomes(settings.postgres.dsn, since)
    return outcomes


def _wait_for_vendor_calls(pools_url: str, timeout_s: float = 120.0) -> None:
    """Until the gateway has no call queued, under way or backing off, twice in a row (or
    the time is up): a finished execution may have left fire-and-forget calls behind, and
    the summary counts what reached the vendors."""
    deadline, idle = time.monotonic() + timeout_s, 0
    while idle < 2 and time.monotonic() < deadline:
        pools = httpx.get(pools_url, timeout=5.0).json().values()
        busy = any(
            p["backing_off"] or any(p[lane]["in_use"] or p[lane]["queued"] for lane in LANES)
            for p in pools
        )
        idle = 0 if busy else idle + 1
        time.sleep(0.5)


def _wait_for_syncs(
    settings: OrderloomSettings,
    supervisor: Supervisor,
    stop: threading.Event,
    since: datetime,
    storefront: str,
    timeout_s: float = 180.0,
) -> dict[str, dict[str, int]]:
    """Until each sync has finished a run started since ``since`` and the storefront has had
    the pushes they queued (or the time is up): the first minute's slot may have run before."""
    deadline = time.monotonic() + timeout_s
    syncs = report.sync_outcomes(settings.postgres.dsn, since)
    while time.monotonic() < deadline:
        _going_on(supervisor, stop)
        stats = report.vendor_stats(storefront)
        arrived = stats["levels_set"] + stats["products_updated"]
        if report.syncs_done(syncs) and arrived >= sum(s["queued"] for s in syncs.values()):
            break
        time.sleep(1.0)
        syncs = report.sync_outcomes(settings.postgres.dsn, since)
    return syncs
