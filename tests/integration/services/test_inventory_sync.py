"""InventorySync end to end: the real runner, inventory service and gateway on Kafka and
PostgreSQL, the ERP simulator answering with its fixtures over loopback, the storefront
simulator receiving the pushes. What changed arrives, once; an ERP failure fails the run."""

from __future__ import annotations

import json
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient

from inventory_service import ledger
from inventory_service.bootstrap import InventorySettings, build, open_ledger
from orderloom.events.codec import EventCodec
from orderloom.kafka.config import topic_name
from orderloom.kafka.producer import EventProducer
from orderloom.settings import PROJECT_ROOT, OrderloomSettings
from orderloom.system.layout import Ports, gateway_toml
from orderloom.workflow import host, wire
from orderloom.workflow.schedules import Schedule, load
from sim import erp
from sim.storefront import ServerThread, Storefront, create_app
from sim.vendor import DurationSpec, VendorConfig, VendorThread
from tests.integration.conftest import spec_topics
from tests.integration.services.conftest import running
from tests.integration.workflow.support import envelopes_of, finished, read_histories
from vendor_gateway.config import GatewayConfig
from vendor_gateway.running import GatewayThread

TOPICS = (
    "inventory.commands",
    "inventory.events",
    "vendor.requests",
    "vendor.responses",
    "workflow.inputs",
    "workflow.history",
    "workflow.snapshots",
)
CATALOG = json.loads((PROJECT_ROOT / "sim" / "catalog.json").read_text())
SHORT = {p["sku"] for p in CATALOG["products"][::3]}
"""The SKUs the simulated ERP counts short of what the seed wrote."""
REPRICED = {p["sku"]: p["price_cents"] + 100 for p in CATALOG["products"][::5]}
SCHEDULES = {
    s.workflow: s for s in load(PROJECT_ROOT / "services" / "inventory" / "schedules.toml")
}


@pytest.fixture
def sync_topics(settings: OrderloomSettings, admin: AdminClient) -> Iterator[None]:
    with spec_topics(admin, settings.kafka.topic_prefix, TOPICS):
        yield


def gateway_config(erp_port: int, storefront_port: int) -> GatewayConfig:
    """The local system's gateway configuration, pointed at this test's simulators."""
    raw = tomllib.loads(gateway_toml(Ports(erp=erp_port, storefront=storefront_port)))
    raw |= {"group_id": f"gw-{uuid.uuid4().hex[:8]}", "status_port": 0}
    raw["vendors"]["erp"]["retry"] = {"max_attempts": 2, "base_delay_s": 0.05}
    return GatewayConfig.model_validate(raw)


def start(settings: OrderloomSettings, codec: EventCodec, schedule: Schedule, run: str) -> str:
    """Start one run as the scheduler does; its execution id."""
    execution_id = f"{schedule.name}-{run}"
    producer = EventProducer(settings.kafka, codec)
    envelope = wire.start(execution_id, schedule.workflow, schedule.definition, schedule.input)
    producer.publish(topic_name(settings.kafka, "workflow.inputs"), envelope)
    producer.flush()
    return execution_id


def ended(
    settings: OrderloomSettings, codec: EventCodec, count: int, execution_id: str
) -> dict[str, Any]:
    """The last history event's details of ``execution_id``, once ``count`` runs ended."""
    histories = read_histories(settings, codec, finished(count), timeout_s=90)
    last = histories[execution_id][-1]
    return {"type": last["event_type"], **json.loads(last["details"])}


def arrived(store: Storefront, levels: int, products: int) -> None:
    """Wait until the storefront has had the async pushes the runs queued."""
    deadline = time.monotonic() + 60
    while (store.levels_set, store.products_updated) < (levels, products):
        assert time.monotonic() < deadline, f"storefront has {store.stats()}"
        time.sleep(0.1)


def storefront_requests(settings: OrderloomSettings, codec: EventCodec) -> int:
    requests = envelopes_of(settings, codec, "vendor.requests")
    return sum(1 for e in requests if e.data["vendor"] == "storefront")


@pytest.mark.usefixtures("sync_topics")
def test_what_changed_reaches_the_storefront_once_and_an_erp_failure_fails_the_run(
    settings: OrderloomSettings, codec: EventCodec, schema: str
) -> None:
    inventory = InventorySettings(
        kafka=settings.kafka,
        postgres=settings.postgres,
        pg_schema=schema,
        group_id=f"inventory-{uuid.uuid4().hex[:8]}",
    )
    with open_ledger(inventory) as conn:
        ledger.seed(conn, "main", CATALOG["products"])
        conn.execute("UPDATE stock_items SET reserved = 30 WHERE sku = 'TEE-BLA-001'")
        conn.execute("UPDATE stock_items SET reported = on_hand - reserved")
    gateway_db = settings.postgres.model_copy(
        update={"dsn": f"{settings.postgres.dsn}?options=-csearch_path%3D{schema}"}
    )
    fixtures = {
        erp.STOCK_LEVELS: erp.stock_levels(CATALOG),
        erp.PRODUCTS: erp.products(CATALOG),
    }
    vendor = VendorConfig(duration=DurationSpec.parse("fixed:0.01"), fixtures=fixtures)
    store = Storefront()
    runner, _ = host.build(settings, {})
    stop = threading.Event()
    runner_thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    runner_thread.start()
    try:
        with (
            VendorThread(vendor) as erp_sim,
            ServerThread(create_app(store)) as storefront,
            GatewayThread(
                settings.model_copy(update={"postgres": gateway_db}),
                gateway_config(erp_sim.server.port, storefront.port),
            ),
            running(build(inventory, codec)),
        ):
            first = start(settings, codec, SCHEDULES["InventorySync"], "1")
            products = start(settings, codec, SCHEDULES["ProductSync"], "1")
            first_end = ended(settings, codec, 2, first)
            products_end = ended(settings, codec, 2, products)
            arrived(store, levels=len(SHORT), products=len(REPRICED))

            again = ended(
                settings, codec, 3, start(settings, codec, SCHEDULES["InventorySync"], "2")
            )
            erp_sim.control({"error_rate": 1.0})
            broken = ended(
                settings, codec, 4, start(settings, codec, SCHEDULES["InventorySync"], "3")
            )
            pushed = storefront_requests(settings, codec)
    finally:
        stop.set()
        runner_thread.join(30)

    counted = {x["sku"]: x["on_hand"] for x in fixtures[erp.STOCK_LEVELS]["levels"]}
    assert first_end["type"] == "ExecutionSucceeded"
    assert first_end["output"] == {"changed": len(SHORT), "queued": len(SHORT), "failed": []}
    assert store.levels == {
        sku: counted[sku] - (30 if sku == "TEE-BLA-001" else 0) for sku in SHORT
    }
    assert products_end["output"]["queued"] == len(REPRICED)
    assert {sku: p["price_cents"] for sku, p in store.products.items()} == REPRICED

    assert again["type"] == "ExecutionSucceeded" and again["output"]["changed"] == 0
    assert pushed == len(SHORT) + len(REPRICED)
    assert (store.levels_set, store.products_updated, store.duplicates) == (
        len(SHORT),
        len(REPRICED),
        0,
    )

    assert broken["type"] == "ExecutionFailed"
    assert broken["error"] == "ERP.HTTP500"
    assert json.loads(broken["cause"])["status"] == 500
    assert "injected failure" in json.loads(broken["cause"])["body"]
