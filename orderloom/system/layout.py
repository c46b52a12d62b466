"""What runs where in the local system, and the configuration files it is given.

The vendors are simulators with realistic latencies scaled down (the ERP: median 8 s,
2-300 s, cap 25; at ``time_scale`` 0.01 that is 80 ms median); the gateway owns their pools.
The inventory service's schedules run every minute here instead of at their deployed pace,
so a run of a few minutes shows its syncs.

Each long-running service serves ``/healthz`` and ``/readyz`` on a port of its own (the
gateway on its status server), and ``/readyz`` is its ready check; the console is told where
the gateway's status server is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orderloom.settings import PROJECT_ROOT
from orderloom.system.supervisor import Child, http_ok, listening

ORDER_STEPS = PROJECT_ROOT / "services" / "order" / "order_service" / "steps.py"
CATALOG = PROJECT_ROOT / "sim" / "catalog.json"
INVENTORY_SCHEDULES = PROJECT_ROOT / "services" / "inventory" / "schedules.toml"
SYNC_EVERY = "1m"


@dataclass(frozen=True)
class Ports:
    order_api: int = 18080
    storefront: int = 18082
    console: int = 18090
    erp: int = 18101
    threepl: int = 18102
    payments: int = 18103
    gateway_status: int = 18464
    inventory_health: int = 18471
    billing_health: int = 18472
    runner_health: int = 18473
    projector_health: int = 18474
    scheduler_health: int = 18475
    event_log_health: int = 18476


@dataclass(frozen=True)
class Vendors:
    """How the simulated vendors behave: the cap each enforces (and the gateway keeps) and
    their latencies, realistic ones scaled by ``time_scale`` unless ``duration`` overrides."""

    cap: int = 25
    time_scale: float = 0.01
    duration: str | None = None


def gateway_toml(ports: Ports, cap: int = 25) -> str:
    """The gateway's vendors: each simulator, its cap and the operations the workflows use."""

    def vendor(name: str, port: int, cap: int, operations: dict[str, tuple[str, str]]) -> str:
        ops = "\n".join(
            f'{op} = {{ method = "{m}", path = "{p}" }}' for op, (m, p) in operations.items()
        )
        return (
            f'[vendors.{name}]\nbase_url = "http://127.0.0.1:{port}"\ncap = {cap}\n'
            f"read_timeout_s = 300\n\n[vendors.{name}.operations]\n{ops}\n"
        )

    return "\n".join(
        [
            'group_id = "vendor-gateway"\nstatus_host = "127.0.0.1"\n'
            f"status_port = {ports.gateway_status}\n",
            vendor(
                "erp",
                ports.erp,
                cap,
                {
                    "create_sales_order": ("POST", "/sales-orders"),
                    "get_stock_levels": ("GET", "/stock-levels"),
                    "get_products": ("GET", "/products"),
                    "cancel_sales_order": ("POST", "/sales-orders/{order_id}/cancel"),
                },
            ),
            vendor("threepl", ports.threepl, cap, {"create_shipment": ("POST", "/shipments")}),
            vendor(
                "payments",
                ports.payments,
                cap,
                {"capture": ("POST", "/captures"), "refund": ("POST", "/refunds")},
            ),
            vendor(
                "storefront",
                ports.storefront,
                max(40, cap),
                {
                    "mark_fulfilled": ("POST", "/orders/{order_id}/fulfillments"),
                    "set_stock_level": ("POST", "/inventory_levels/set"),
                    "update_product": ("PUT", "/products/{sku}"),
                    "capture": ("POST", "/orders/{storefront_order_id}/transactions"),
                    "refund": ("POST", "/orders/{storefront_order_id}/refunds"),
                },
            ),
        ]
    )


def children(ports: Ports, run_dir: Path, vendors: Vendors, erp_fixtures: list[str]) -> list[Child]:
    """Every process of the system, in the order they start; ``erp_fixtures`` are the
    ERP simulator's ``--respond`` values (``sim.erp.write_fixtures``)."""
    scale = str(vendors.time_scale)

    def vendor_sim(name: str, port: int, duration: str, *extra: str) -> Child:
        return Child(
            name,
            [
                "sim",
                "vendor",
                "--port",
                str(port),
                "--cap",
                str(vendors.cap),
                "--duration",
                vendors.duration or duration,
                *(() if vendors.duration else ("--min-duration", "2", "--max-duration", "300")),
                "--time-scale",
                scale,
                "--seed",
                "1",
                *extra,
            ],
            lambda: http_ok(f"http://127.0.0.1:{port}/stats"),
        )

    def consumer(name: str, args: list[str], port: int, ready_timeout_s: float = 60.0) -> Child:
        return Child(
            name,
            args,
            lambda: http_ok(f"http://127.0.0.1:{port}/readyz"),
            {"ORDERLOOM_HEALTH__PORT": str(port)},
            ready_timeout_s,
        )

    gateway_config = run_dir / "vendors.toml"
    gateway_config.write_text(gateway_toml(ports, vendors.cap))
    return [
        vendor_sim(
            "erp",
            ports.erp,
            "lognormal:2.08,0.8",
            *(arg for spec in erp_fixtures for arg in ("--respond", spec)),
        ),
        vendor_sim("threepl", ports.threepl, "lognormal:1.4,0.6"),
        vendor_sim(
            "payments",
            ports.payments,
            "lognormal:0.7,0.4",
            "--decline-token",
            "tok_declined",
            "--unavailable-token",
            "tok_unavailable",
        ),
        Child(
            "storefront",
            ["storefront", "serve", "--port", str(ports.storefront)],
            lambda: http_ok(f"http://127.0.0.1:{ports.storefront}/stats"),
        ),
        Child(
            "gateway",
            ["gateway", "run", "--config", str(gateway_config)],
            lambda: http_ok(f"http://127.0.0.1:{ports.gateway_status}/readyz"),
        ),
        consumer("inventory", ["inventory", "run"], ports.inventory_health),
        consumer("billing", ["billing", "run"], ports.billing_health),
        consumer(
            "runner", ["workflow", "runner", "--handlers", str(ORDER_STEPS)], ports.runner_health
        ),
        # it catches up with every history event since the last run before it is ready
        consumer("projector", ["executions", "project"], ports.projector_health, 600.0),
        consumer(
            "scheduler",
            ["workflow", "schedule", str(INVENTORY_SCHEDULES), "--every", SYNC_EVERY],
            ports.scheduler_health,
        ),
        consumer("order-event-log", ["order", "event-log"], ports.event_log_health),
        Child(
            "order-api",
            ["order", "api", "--port", str(ports.order_api)],
            lambda: http_ok(f"http://127.0.0.1:{ports.order_api}/healthz"),
        ),
        Child(
            "console",
            ["console", "--port", str(ports.console)],
            lambda: listening(ports.console),
            {"ORDERLOOM_CONSOLE__GATEWAY_URL": f"http://127.0.0.1:{ports.gateway_status}"},
        ),
    ]
