"""The run's supervisor with real services on the real broker: a child killed with SIGKILL is
started again and counted; a child that fails at its start, or keeps exiting soon after each
start, stops the run with its name, why, and the end of its log."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from orderloom.settings import OrderloomSettings
from orderloom.stack.process import StackError, alive
from orderloom.system import report
from orderloom.system.layout import INVENTORY_SCHEDULES
from orderloom.system.restarts import Backoff
from orderloom.system.supervisor import Child, Supervisor, http_ok
from tests.integration.conftest import spec_topics
from tests.integration.health.support import free_port

QUICK = Backoff(first_s=0.2, factor=2.0, cap_s=1.0, healthy_after_s=30.0, give_up_after=2)


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
def supervisor(
    settings: OrderloomSettings, tmp_path: Path, said: list[str]
) -> Iterator[Supervisor]:
    env = {
        "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ORDERLOOM_POSTGRES__DSN": settings.postgres.dsn,
    }
    supervisor = Supervisor(tmp_path, env, policy=QUICK, say=said.append)
    yield supervisor
    supervisor.stop_all()


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not {what} in {timeout_s:.0f}s"
        time.sleep(0.1)


def test_a_child_killed_with_sigkill_is_started_again_and_counted(
    settings: OrderloomSettings, admin: AdminClient, supervisor: Supervisor, said: list[str]
) -> None:
    port = free_port()
    ready = http_ok(f"http://127.0.0.1:{port}/readyz")
    scheduler = Child(
        "scheduler",
        ["workflow", "schedule", str(INVENTORY_SCHEDULES)],
        lambda: ready,
        {"ORDERLOOM_HEALTH__PORT": str(port)},
    )
    with spec_topics(admin, settings.kafka.topic_prefix, ["workflow.inputs"]):
        supervisor.start(scheduler)
        first = supervisor.pid("scheduler")
        assert os.getpgid(first) != os.getpgid(0), "a Ctrl-C would reach the child directly"

        os.kill(first, signal.SIGKILL)

        _until(lambda: supervisor.restarts() == {"scheduler": 1}, "restarted")
        _until(lambda: supervisor.pid("scheduler") != first and ready(), "ready again")
        supervisor.check()
        assert said[0].startswith("scheduler exited (killed by SIGKILL) after")
        assert "restart 1 in 0.2s" in said[0]
        summary = report.summary(
            report.Outcomes(),
            {"sent": 0, "accepted": 0, "rejected": 0, "by_kind": {}},
            {"max_concurrency": 0, "violations": 0, "duplicates": 0},
            {"levels_set": 0, "products_updated": 0, "captures": 0, "duplicates": 0},
            {},
            supervisor.restarts(),
        )
        assert "Restarts: scheduler 1" in report.explain(summary, "http://console")
        second = supervisor.pid("scheduler")
        supervisor.stop_all()
        assert not alive(second)


def test_a_child_that_fails_at_its_start_stops_the_run_with_its_name_and_log(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    gateway = Child(
        "gateway",
        ["gateway", "run", "--config", str(tmp_path / "missing.toml")],
        lambda: http_ok("http://127.0.0.1:9/readyz"),
    )

    with pytest.raises(StackError) as failed:
        supervisor.start(gateway)

    message = str(failed.value)
    assert message.startswith("gateway did not start: exit code 2; its log ends:")
    assert "missing.toml" in message


def test_a_child_that_keeps_exiting_after_its_start_stops_the_run(
    supervisor: Supervisor, tmp_path: Path, said: list[str]
) -> None:
    config = tmp_path / "vendors.toml"
    config.write_text('[vendors.erp]\nbase_url = "http://127.0.0.1:9"\ncap = 0\n')
    gateway = Child("gateway", ["gateway", "run", "--config", str(config)], lambda: lambda: True)
    supervisor.start(gateway)

    def stopped() -> bool:
        try:
            supervisor.check()
        except StackError:
            return True
        return False

    _until(stopped, "given up on")
    with pytest.raises(StackError) as failed:
        supervisor.check()
    message = str(failed.value)
    assert message.startswith(
        "gateway stopped the run: it exited 3 times in a row, each within 30s of its start,"
        " the last with exit code 2; its log ends:"
    )
    assert "vendors.erp" in message.splitlines()[-1]
    assert supervisor.restarts() == {"gateway": 2}
    assert said[-1] == "gateway keeps exiting soon after its start: stopping the run"
