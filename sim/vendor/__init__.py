"""A vendor SaaS with a hard connection cap, latency distributions and failure injection.

People rehearse against it; tests and benchmarks measure the vendor gateway by its
counters (``GET /stats``). Run it with ``orderloom sim vendor`` or in-process with
``running_vendor`` (async) or ``VendorThread`` (sync).
"""

from __future__ import annotations

from sim.vendor.config import DownMode, VendorConfig, Window
from sim.vendor.durations import DurationSpec
from sim.vendor.running import VendorThread, running_vendor, serve
from sim.vendor.server import VendorServer

__all__ = [
    "DownMode",
    "DurationSpec",
    "VendorConfig",
    "VendorServer",
    "VendorThread",
    "Window",
    "running_vendor",
    "serve",
]
