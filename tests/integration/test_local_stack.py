"""``orderloom up|status|down`` on a stack of its own (separate home and ports)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from orderloom.kafka.topics import load_spec
from orderloom.settings import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.kafka_port, self.pg_port = _free_port(), _free_port()
        self.env = {
            **os.environ,
            "ORDERLOOM_STACK__HOME": str(home),
            "ORDERLOOM_STACK__KAFKA_PORT": str(self.kafka_port),
            "ORDERLOOM_STACK__KAFKA_CONTROLLER_PORT": str(_free_port()),
            "ORDERLOOM_STACK__POSTGRES_PORT": str(self.pg_port),
            "ORDERLOOM_STACK__KAFKA_HEAP": "384m",
        }

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orderloom", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    @property
    def dsn(self) -> str:
        return f"postgresql://orderloom@127.0.0.1:{self.pg_port}/orderloom"


@pytest.fixture
def stack() -> Iterator[Stack]:
    # Under the project folder, not /tmp: PostgreSQL's user must be able to reach it.
    home = PROJECT_ROOT / ".local" / "test-stacks" / uuid.uuid4().hex[:8]
    own = Stack(home)
    yield own
    own.cli("down")
    shutil.rmtree(home, ignore_errors=True)


def test_up_status_down_up_keeps_the_data(stack: Stack) -> None:
    assert stack.cli("status").returncode == 3

    first = stack.cli("up")
    assert first.returncode == 0, first.stderr
    assert "kafka started" in first.stdout and "postgres started" in first.stdout
    assert f"topics: {len(load_spec())} created" in first.stdout
    again = stack.cli("up")
    assert "already running" in again.stdout and "topics: 0 created" in again.stdout
    status = stack.cli("status")
    assert status.returncode == 0 and status.stdout.count("running (pid") == 2
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    sent = stack.cli("smoke", "--pings", "20")
    assert sent.returncode == 0, sent.stderr

    down = stack.cli("down")
    assert "kafka stopped" in down.stdout and "postgres stopped" in down.stdout
    assert stack.cli("status").returncode == 3

    back = stack.cli("up")
    assert back.returncode == 0, back.stderr
    assert "topics: 0 created" in back.stdout
    with psycopg.connect(stack.dsn) as conn:
        assert conn.execute("SELECT v FROM kept").fetchall() == [("still here",)]
        assert conn.execute("SELECT count(*) FROM smoke_pings").fetchone() == (20,)


def test_stale_pid_file_and_busy_port_give_clear_messages(stack: Stack) -> None:
    (stack.home / "kafka").mkdir(parents=True)
    (stack.home / "kafka" / "kafka.pid").write_text("999999\n")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack.kafka_port))
        squatter.listen()

        result = stack.cli("up")

    assert result.returncode == 1
    assert f"port {stack.kafka_port} is in use by another process" in result.stderr
    assert not (stack.home / "kafka" / "kafka.pid").exists()
