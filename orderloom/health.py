"""``GET /healthz`` and ``GET /readyz`` for a long-running service with no web server.

Kubernetes' probes and ``orderloom run`` ask two things. Alive: the service's main loop
still turns (it told its ``Progress`` so within ``ORDERLOOM_HEALTH__STALE_AFTER_S``, 60 s
by default), so a process whose loop is stuck gets restarted by the probe. Ready: it owns
its partitions (an assignment came, even an empty one) and has read what there was, i.e. a
poll since then returned fewer records than it asked for; a service with no partitions says
when it has settled instead.

A stdlib server on a thread of its own: two GETs need no web framework. It serves only when
``ORDERLOOM_HEALTH__PORT`` is set.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from orderloom.settings import HealthSettings


class Progress:
    """What a service's loop tells its health server; safe to call from any thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._turned = clock()
        self._assigned = False
        self._caught_up = False

    def turned(self) -> None:
        """The loop went round once more."""
        with self._lock:
            self._turned = self._clock()

    def assigned(self) -> None:
        """Partitions came: not caught up with them yet."""
        with self._lock:
            self._assigned, self._caught_up = True, False

    def revoked(self) -> None:
        with self._lock:
            self._assigned, self._caught_up = False, False

    def polled(self, records: int, limit: int) -> None:
        """A poll asked for ``limit`` records and got ``records``."""
        with self._lock:
            self._turned = self._clock()
            if self._assigned and records < limit:
                self._caught_up = True

    def settled(self) -> None:
        """For a loop without partitions: it went round and did what was due."""
        with self._lock:
            self._turned = self._clock()
            self._assigned, self._caught_up = True, True

    def alive(self, stale_after_s: float) -> bool:
        """The loop turned within ``stale_after_s``."""
        with self._lock:
            return self._clock() - self._turned <= stale_after_s

    def ready(self, stale_after_s: float) -> bool:
        """Alive, with its partitions, and it has read what there was."""
        with self._lock:
            fresh = self._clock() - self._turned <= stale_after_s
            return fresh and self._assigned and self._caught_up

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seconds_since_loop_turned": round(self._clock() - self._turned, 3),
                "assigned": self._assigned,
                "caught_up": self._caught_up,
            }


def answer(path: str, progress: Progress, stale_after_s: float) -> tuple[int, dict[str, Any]]:
    """Status and JSON body for a GET of ``path``."""
    route = path.partition("?")[0].rstrip("/")
    if route == "/healthz":
        alive = progress.alive(stale_after_s)
        return (200 if alive else 503), {"alive": alive, **progress.state()}
    if route == "/readyz":
        ready = progress.ready(stale_after_s)
        return (200 if ready else 503), {"ready": ready, **progress.state()}
    return 404, {"error": "not found: GET /healthz or /readyz"}


@contextmanager
def serving(settings: HealthSettings, progress: Progress) -> Iterator[int | None]:
    """Serve ``progress`` on the configured port for the block's duration; yields the port
    (None when no port is configured: then nothing serves)."""
    if settings.port is None:
        yield None
        return

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer(self.path, progress, settings.stale_after_s)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds are not worth a log line each."""

    server = ThreadingHTTPServer((settings.host, settings.port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="health", daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
