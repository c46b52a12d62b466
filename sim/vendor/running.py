"""Ways to run the vendor simulator: inside a test's event loop, in a thread, or as a process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, TypeVar

from sim.vendor.config import VendorConfig
from sim.vendor.server import VendorServer

T = TypeVar("T")


@asynccontextmanager
async def running_vendor(config: VendorConfig | None = None) -> AsyncIterator[VendorServer]:
    """A vendor serving on the current event loop for the duration of the block."""
    server = VendorServer(config or VendorConfig())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def serve(config: VendorConfig, on_ready: Callable[[VendorServer], None]) -> None:
    """Serve until cancelled; ``on_ready`` is told once the port is bound."""
    async with running_vendor(config) as server:
        on_ready(server)
        await asyncio.Event().wait()


class VendorThread:
    """A vendor on its own event loop in a daemon thread, for synchronous callers.

    Use as ``with VendorThread(config) as vendor: ... vendor.url ...``.
    """

    def __init__(self, config: VendorConfig | None = None) -> None:
        self._config = config or VendorConfig()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: VendorServer | None = None

    @property
    def server(self) -> VendorServer:
        if self._server is None:
            raise RuntimeError("the vendor thread is not running")
        return self._server

    @property
    def url(self) -> str:
        return self.server.url

    def stats(self) -> dict[str, Any]:
        """The vendor's ``/stats`` figures, read on its own loop."""
        return self._run(self._stats())

    def control(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a ``/control`` payload on the vendor's loop."""
        return self._run(self.server.control(payload))

    def __enter__(self) -> VendorThread:
        self._thread.start()
        self._server = VendorServer(self._config)
        self._run(self._server.start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._run(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._server = None

    async def _stats(self) -> dict[str, Any]:
        return self.server.vendor.stats()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()
