"""The gateway on its own event loop in a thread, for benchmarks and tests in one process.

``orderloom gateway run`` is the way to run it for real; this is its in-process twin,
as ``VendorThread`` is the simulator's.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from orderloom.settings import OrderloomSettings
from vendor_gateway.config import GatewayConfig
from vendor_gateway.service import Gateway


class GatewayThread:
    """``with GatewayThread(settings, config) as gateway: ...``; leaving drains and stops it."""

    def __init__(self, settings: OrderloomSettings, config: GatewayConfig) -> None:
        self.gateway = Gateway(settings, config)
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="gateway", daemon=True)
        self._error: BaseException | None = None

    def __enter__(self) -> GatewayThread:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Ask the gateway to drain and stop, and wait until it has."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _serve(self) -> None:
        try:
            self._loop.run_until_complete(self.gateway.run(self._stop, self._ready.set))
        except BaseException as e:
            self._error = e
        finally:
            self._ready.set()
            self._loop.close()
