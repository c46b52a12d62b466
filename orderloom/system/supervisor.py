"""Child processes that live as long as the run: started in order, ready-checked, stopped.

Each child writes its output to ``<run dir>/<name>.log``; a child that dies or is not
ready in time stops the run with the end of its log in the message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from orderloom.stack.process import StackError, log_tail, port_open, terminate

Ready = Callable[[], bool]


def http_ok(url: str) -> Ready:
    """Ready when ``url`` answers with a status below 500."""

    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code < 500
        except httpx.HTTPError:
            return False

    return check


def listening(port: int) -> Ready:
    return lambda: port_open(port)


def started() -> Ready:
    """For consumers with no port: ready once they have been alive for a moment."""
    since = time.monotonic()
    return lambda: time.monotonic() - since > 2.0


@dataclass(frozen=True)
class Child:
    """One process of the system: ``orderloom <args>`` with extra environment."""

    name: str
    args: Sequence[str]
    ready: Callable[[], Ready]
    env: dict[str, str] = field(default_factory=dict)


class Supervisor:
    """Starts children one by one and stops them all, last started first."""

    def __init__(self, run_dir: Path, env: dict[str, str]) -> None:
        self.run_dir, self._env = run_dir, env
        self._running: list[tuple[Child, subprocess.Popen[bytes]]] = []
        run_dir.mkdir(parents=True, exist_ok=True)

    def start(self, child: Child, timeout_s: float = 60.0) -> None:
        log = self.run_dir / f"{child.name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "orderloom", *child.args],
                env={**os.environ, **self._env, **child.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._running.append((child, proc))
        ready, deadline = child.ready(), time.monotonic() + timeout_s
        while not ready():
            if proc.poll() is not None:
                raise StackError(f"{child.name} exited ({proc.returncode}):\n{log_tail(log)}")
            if time.monotonic() > deadline:
                raise StackError(f"{child.name} not ready in {timeout_s:.0f}s:\n{log_tail(log)}")
            time.sleep(0.2)

    def dead(self) -> list[str]:
        """Children that stopped on their own."""
        return [child.name for child, proc in self._running if proc.poll() is not None]

    def stop_all(self) -> None:
        """SIGTERM each (they finish their open work), SIGKILL what hangs."""
        for _, proc in reversed(self._running):
            if proc.poll() is None:
                terminate(proc.pid, timeout_s=30)
            proc.wait()
        self._running.clear()
