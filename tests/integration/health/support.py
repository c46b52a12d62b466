"""Starting a service as its own process with a health port, and asking it how it is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from orderloom.settings import OrderloomSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    settings: OrderloomSettings, args: list[str], log: Path, **env: str
) -> subprocess.Popen[bytes]:
    """``orderloom <args>`` on the test's topics, its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "orderloom", *args],
            env={
                **os.environ,
                "ORDERLOOM_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
                "ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
                "ORDERLOOM_POSTGRES__DSN": settings.postgres.dsn,
                "ORDERLOOM_LOG_LEVEL": "WARNING",
                **env,
            },
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def status(port: int, path: str) -> int | None:
    """The HTTP status of a GET, or None while nothing answers."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2.0).status_code
    except httpx.HTTPError:
        return None


def wait_for(
    condition: Callable[[], bool],
    what: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    timeout_s: float = 90.0,
) -> None:
    """Poll ``condition`` until it holds; fail with the service's log if it exits or the
    time is up."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} in {timeout_s:.0f}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM and the exit code (SIGKILL after 30 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
