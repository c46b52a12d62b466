"""Child processes that live as long as the run: started in order, ready-checked, kept
running, stopped.

Each child writes its output to ``<run dir>/<name>.log``. A child that is not ready in time
at its first start stops the run with the end of its log in the message. Once started, a
child that exits is started again after the wait ``restarts.decide`` says (each restart is
said with the child's exit code and the end of its log, and counted); a child that keeps
exiting soon after each start stops the run the same way. Children run in process groups
of their own, so a Ctrl-C reaches the run alone, which stops them last started first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from orderloom.stack.process import StackError, log_tail, port_open, terminate
from orderloom.system.restarts import Backoff, GiveUp, Record, decide

Ready = Callable[[], bool]
TEND_EVERY_S = 0.2


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


@dataclass(frozen=True)
class Child:
    """One process of the system: ``orderloom <args>`` with extra environment."""

    name: str
    args: Sequence[str]
    ready: Callable[[], Ready]
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 60.0


@dataclass
class _Watched:
    child: Child
    proc: subprocess.Popen[bytes]
    started: float
    record: Record = field(default_factory=Record)
    restart_at: float | None = None
    watching: bool = False


def exit_text(code: int) -> str:
    """``exit code 2`` or ``killed by SIGKILL``."""
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


class Supervisor:
    """Starts children one by one, restarts those that exit, stops them all (last started
    first). ``say`` gets each restart; ``check`` raises once a child is given up on."""

    def __init__(
        self,
        run_dir: Path,
        env: dict[str, str],
        *,
        policy: Backoff = Backoff(),
        say: Callable[[str], None] = print,
    ) -> None:
        self.run_dir, self._env, self._policy, self._say = run_dir, env, policy, say
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._failure: StackError | None = None
        self._thread = threading.Thread(target=self._tend_until_closed, daemon=True)
        run_dir.mkdir(parents=True, exist_ok=True)

    def start(self, child: Child) -> None:
        """Start ``child`` and wait until it is ready; raise with its log's end if it exits
        or is not ready in time."""
        proc = self._launch(child, restart=0)
        watched = _Watched(child, proc, time.monotonic())
        with self._lock:
            self._watched.append(watched)
        ready, deadline = child.ready(), time.monotonic() + child.ready_timeout_s
        while not ready():
            if proc.poll() is not None:
                raise StackError(
                    f"{child.name} did not start: {exit_text(proc.returncode)}; its log ends:\n"
                    f"{log_tail(self.log(child))}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{child.name} not ready in {child.ready_timeout_s:.0f}s; its log ends:\n"
                    f"{log_tail(self.log(child))}"
                )
            time.sleep(0.2)
        with self._lock:
            watched.started, watched.watching = time.monotonic(), True
        if not self._thread.is_alive():
            self._thread.start()

    def log(self, child: Child) -> Path:
        return self.run_dir / f"{child.name}.log"

    def check(self) -> None:
        """Raise the reason the run must stop, if a child has been given up on."""
        if self._failure is not None:
            raise self._failure

    def restarts(self) -> dict[str, int]:
        """Restarts so far, per child."""
        with self._lock:
            return {w.child.name: w.record.restarts for w in self._watched}

    def pid(self, name: str) -> int:
        """The process id of the child ``name`` now."""
        with self._lock:
            return next(w.proc.pid for w in self._watched if w.child.name == name)

    def stop_all(self) -> None:
        """No more restarts; SIGTERM each (they finish their open work), SIGKILL what hangs."""
        self._closing.set()
        if self._thread.is_alive():
            self._thread.join()
        for watched in reversed(self._watched):
            if watched.proc.poll() is None:
                terminate(watched.proc.pid, timeout_s=30)
            watched.proc.wait()
        self._watched.clear()

    def tend(self, now: float) -> None:
        """Notice the children that exited and start those whose wait is over."""
        with self._lock:
            for watched in self._watched:
                if self._closing.is_set() or self._failure is not None:
                    return
                if not watched.watching:
                    continue
                if watched.restart_at is None and watched.proc.poll() is not None:
                    self._exited(watched, now)
                elif watched.restart_at is not None and now >= watched.restart_at:
                    watched.proc = self._launch(watched.child, watched.record.restarts)
                    watched.started, watched.restart_at = now, None

    def _exited(self, watched: _Watched, now: float) -> None:
        child, code, ran_s = watched.child, watched.proc.returncode, now - watched.started
        watched.record, decision = decide(self._policy, watched.record, ran_s)
        tail = log_tail(self.log(child))
        if isinstance(decision, GiveUp):
            self._failure = StackError(
                f"{child.name} stopped the run: it exited {decision.failures} times in a row,"
                f" each within {self._policy.healthy_after_s:.0f}s of its start, the last"
                f" with {exit_text(code)}; its log ends:\n{tail}"
            )
            self._say(f"{child.name} keeps exiting soon after its start: stopping the run")
            return
        watched.restart_at = now + decision.delay_s
        self._say(
            f"{child.name} exited ({exit_text(code)}) after {ran_s:.1f}s; restart"
            f" {watched.record.restarts} in {decision.delay_s:.1f}s. Its log ends:\n{tail}"
        )

    def _tend_until_closed(self) -> None:
        while not self._closing.wait(TEND_EVERY_S):
            self.tend(time.monotonic())

    def _launch(self, child: Child, restart: int) -> subprocess.Popen[bytes]:
        log = self.log(child)
        with log.open("ab" if restart else "wb") as out:
            if restart:
                when = datetime.now(UTC).isoformat()
                out.write(f"--- restart {restart} at {when} ---\n".encode())
                out.flush()
            return subprocess.Popen(
                [sys.executable, "-m", "orderloom", *child.args],
                env={**os.environ, **self._env, **child.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
