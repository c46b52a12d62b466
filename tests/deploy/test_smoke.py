"""The chart's services, as it renders them, run in containers of the image built from this
checkout: the hook Jobs create the topics and the first admin, the Deployments of the intake,
runner, projector, event writer, inventory, billing, gateway, scheduler and console are
played with ``podman kube play`` on the host's network next to the local Kafka and PostgreSQL
(their own topic prefix and database), the simulated vendors answer, and one signed order
sent to the intake is seen SUCCEEDED through the console's API; then each service, PID 1 of
its container, stops on SIGTERM with exit code 0. All is torn down afterwards.
A hook Job that cannot reach PostgreSQL fails with the reason in its log, and nothing of it
stays behind. Every file of the image that the chart's values or docker-compose.yml name is
there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from orderloom.settings import OrderloomSettings
from orderloom.system.layout import Ports, gateway_toml
from sim.storefront.orders import Kind, OrderFactory
from tests.deploy.helm import CHART, ROOT, render
from tests.deploy.podman import (
    Built,
    PodmanError,
    build_image,
    logs,
    played,
    podman,
    run_to_completion,
    secret,
)
from tests.integration.health.support import free_port, start, status, stop

REPOSITORY, TAG = "localhost/orderloom", "smoke"
IMAGE = f"{REPOSITORY}:{TAG}"
READY_TIMEOUT_S = 240.0
ORDER_TIMEOUT_S = 180.0


@contextmanager
def database(settings: OrderloomSettings, name: str) -> Iterator[str]:
    """A database of its own on the local PostgreSQL, dropped afterwards; its DSN."""
    with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield settings.postgres.dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(settings.postgres.dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def topics_removed(settings: OrderloomSettings, prefix: str) -> Iterator[None]:
    try:
        yield
    finally:
        admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
        names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
        for future in (admin.delete_topics(names) if names else {}).values():
            future.result()


def wait_until(
    check: Callable[[], bool], what: str, timeout_s: float, why: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} in {timeout_s:.0f}s:\n{why()}")
        time.sleep(0.5)


def host_cli(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "orderloom", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def built() -> Built:
    return build_image(IMAGE)


def image_values(local: OrderloomSettings, prefix: str) -> dict[str, Any]:
    """The values every smoke release shares: the image just built, the host's network."""
    return {
        "image": {"repository": REPOSITORY, "tag": TAG, "pullPolicy": "Never"},
        "hostNetwork": True,
        "kafka": {
            "bootstrapServers": local.kafka.bootstrap_servers,
            "topicPrefix": prefix,
            "maxPartitions": 3,
        },
        "topics": {"replicationFactor": 1, "minInsyncReplicas": 1},
    }


@pytest.mark.integration
def test_the_image_has_every_file_the_chart_and_compose_name(built: Built) -> None:
    named = re.findall(
        r"/opt/orderloom/share/[\w./-]+",
        (CHART / "values.yaml").read_text() + (ROOT / "docker-compose.yml").read_text(),
    )
    assert len(set(named)) == 5, named
    script = "import sys, pathlib as p; print([f for f in sys.argv[1:] if not p.Path(f).is_file()])"
    missing = podman("run", "--rm", "--entrypoint", "python", built.image, "-c", script, *named)
    assert missing.strip() == "[]"


@pytest.mark.integration
def test_a_hook_job_that_fails_says_why_and_leaves_nothing_behind(
    built: Built, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    release = f"smoke-{run}"
    unreachable = f"postgresql://orderloom@127.0.0.1:{free_port()}/nowhere?connect_timeout=2"
    with (
        secret(f"{release}-postgres", {"dsn": unreachable}) as postgres,
        secret(f"{release}-admin", {"password": uuid.uuid4().hex}) as admin,
    ):
        values = {
            **image_values(OrderloomSettings(), f"smoke-{run}."),
            "postgres": {"existingSecret": postgres},
            "admin": {"existingSecret": admin},
            "orderApi": {"webhookSecret": {"existingSecret": "unused"}},
        }
        values_file = tmp_path / "values.yaml"
        values_file.write_text(json.dumps(values))
        [job] = [
            m
            for m in render([values_file], release=release)
            if m["kind"] == "Job" and m["metadata"]["name"].endswith("-migrations")
        ]
        with pytest.raises(PodmanError, match=r"exited 1:(.|\n)*cannot reach PostgreSQL"):
            run_to_completion(job, tmp_path)
    assert release not in podman("ps", "--all", "--format", "{{.Names}}")
    assert release not in podman("secret", "ls", "--format", "{{.Name}}")


@pytest.mark.integration
def test_the_charts_services_in_containers_take_a_signed_order_to_succeeded_and_stop_cleanly(
    built: Built, tmp_path: Path
) -> None:
    began = time.monotonic()
    local = OrderloomSettings()
    run = uuid.uuid4().hex[:8]
    release, prefix = f"smoke-{run}", f"smoke-{run}."
    ports = Ports(**{name: free_port() for name in Ports.__dataclass_fields__})
    health = {
        name: free_port()
        for name in ("runner", "projector", "inventory", "billing", "eventLog", "scheduler")
    }
    webhook_secret = f"Smoke{uuid.uuid4().hex}"
    sim_settings = local.model_copy(
        update={"kafka": local.kafka.model_copy(update={"topic_prefix": prefix})}
    )

    with ExitStack() as stack:
        stack.enter_context(topics_removed(local, prefix))
        dsn = stack.enter_context(database(local, f"orderloom_smoke_{run}"))
        env = {
            "ORDERLOOM_POSTGRES__DSN": dsn,
            "ORDERLOOM_KAFKA__TOPIC_PREFIX": prefix,
            "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": local.kafka.bootstrap_servers,
        }
        sims = {
            "erp": ["sim", "vendor", "--port", str(ports.erp)],
            "threepl": ["sim", "vendor", "--port", str(ports.threepl)],
            "payments": ["sim", "vendor", "--port", str(ports.payments)],
            "storefront": ["storefront", "serve", "--port", str(ports.storefront)],
        }
        for name, args in sims.items():
            fast = ["--duration", "fixed:2", "--time-scale", "0.01"] if args[0] == "sim" else []
            proc = start(sim_settings, [*args, *fast], tmp_path / f"{name}.log")
            stack.callback(stop, proc)
        postgres = stack.enter_context(secret(f"{release}-postgres", {"dsn": dsn}))
        webhook = stack.enter_context(
            secret(f"{release}-webhook", {"webhook-secret": webhook_secret})
        )
        admin = stack.enter_context(secret(f"{release}-admin", {"password": uuid.uuid4().hex}))

        vendors = gateway_toml(ports)
        values = {
            **image_values(local, prefix),
            "postgres": {"existingSecret": postgres},
            "admin": {"existingSecret": admin},
            "orderApi": {
                "replicaCount": 1,
                "port": ports.order_api,
                "webhookSecret": {"existingSecret": webhook},
            },
            "runner": {"replicaCount": 1, "port": health["runner"], "instance": "smoke-0"},
            "projector": {"port": health["projector"]},
            "inventory": {"replicaCount": 1, "port": health["inventory"]},
            "billing": {"replicaCount": 1, "port": health["billing"]},
            "gateway": {
                "port": ports.gateway_status,
                "vendors": vendors[vendors.index("[vendors.") :],
            },
            "console": {
                "port": ports.console,
                "secureCookies": False,
                "gatewayUrl": f"http://127.0.0.1:{ports.gateway_status}",
            },
            "eventLog": {"port": health["eventLog"]},
            "scheduler": {"port": health["scheduler"]},
        }
        values_file = tmp_path / "smoke-values.yaml"
        values_file.write_text(json.dumps(values))
        manifests = render([values_file], release=release)
        jobs = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Job"}
        full = f"{release}-{CHART.name}"
        assert "topics: " in run_to_completion(jobs[f"{full}-topics"], tmp_path)
        run_to_completion(jobs[f"{full}-migrations"], tmp_path)

        deployments = [m for m in manifests if m["kind"] == "Deployment"]
        assert len(deployments) == 9
        config_maps = [m for m in manifests if m["kind"] == "ConfigMap"]
        stack.enter_context(played(config_maps + deployments, tmp_path / "deployments.yaml"))

        def why() -> str:
            return "\n".join(
                f"--- {d['metadata']['name']}:\n{logs(container_of(d))}" for d in deployments
            )

        ready = [
            (ports.order_api, "/healthz"),
            (ports.console, "/openapi.json"),
            (ports.gateway_status, "/readyz"),
            *((port, "/readyz") for port in health.values()),
        ]
        wait_until(
            lambda: all(status(port, path) == 200 for port, path in ready),
            "ready",
            READY_TIMEOUT_S,
            why,
        )
        services_ready = time.monotonic()

        host_cli(["inventory", "seed", "--catalog", str(ROOT / "sim" / "catalog.json")], env)
        token = json.loads(host_cli(["tokens", "create", "smoke", "--json"], env))["secret"]
        factory = OrderFactory(
            webhook_secret, seed=int(run, 16), first_id=int(time.time()), payments="token"
        )
        order = factory.webhook(0)
        assert order.kind is Kind.GOOD
        sent = httpx.post(
            f"http://127.0.0.1:{ports.order_api}/webhooks/orders",
            content=order.body,
            headers=order.headers,
            timeout=30,
        )
        assert sent.status_code in (200, 201, 202), sent.text
        api = f"http://127.0.0.1:{ports.console}/api/executions"
        seen: list[dict[str, Any]] = []

        def succeeded() -> bool:
            answer = httpx.get(
                api,
                params={"workflow": "OrderFulfillment"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            seen[:] = answer.json()["executions"]
            failed = [e for e in seen if e["status"] not in ("RUNNING", "SUCCEEDED")]
            assert failed == [], f"{failed}\n{why()}"
            return [e["status"] for e in seen] == ["SUCCEEDED"]

        wait_until(succeeded, "SUCCEEDED", ORDER_TIMEOUT_S, lambda: f"{seen}\n{why()}")
        order_s = time.monotonic() - services_ready

        # as Kubernetes stops a pod: SIGTERM to the service, PID 1 of its container
        containers = [container_of(d) for d in deployments]
        podman("stop", "--time", "30", *containers)
        codes = podman("inspect", "--format", "{{.Name}} {{.State.ExitCode}}", *containers)
        assert codes.split() == [w for c in containers for w in (c, "0")], f"{codes}\n{why()}"

    print(
        json.dumps(
            {
                "smoke": "the chart's nine services in podman, after the image is built",
                "image_bytes": built.size_bytes,
                "wheels_s": round(built.wheels_s, 1),
                "image_build_s": round(built.build_s, 1),
                "order_to_succeeded_s": round(order_s, 1),
                "smoke_s": round(time.monotonic() - began, 1),
            }
        )
    )


def container_of(deployment: dict[str, Any]) -> str:
    """The name podman gives the container of a played Deployment's first pod."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return f"{deployment['metadata']['name']}-pod-0-{container['name']}"
