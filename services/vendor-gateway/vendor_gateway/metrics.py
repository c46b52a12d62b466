"""Prometheus figures of the gateway; pool gauges are read from the pools at scrape time.

Reading the schedulers when scraped (a custom collector) means ``/metrics`` and
``GET /pools`` always show the same live numbers, with nothing to keep in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from vendor_gateway.breaker import BreakerState
from vendor_gateway.lanes import PoolView

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
CIRCUIT_CODES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class PoolFigures(Protocol):
    """What a pool shows of itself."""

    def view(self) -> PoolView: ...

    def circuit(self) -> BreakerState: ...


class GatewayMetrics:
    """The gateway's metrics in a registry of its own (no global state)."""

    def __init__(self, pools: Callable[[], Mapping[str, PoolFigures]]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "orderloom_gateway_request_seconds",
            "Duration of one attempt at the vendor.",
            ["vendor", "lane", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.wait = Histogram(
            "orderloom_gateway_queue_wait_seconds",
            "Time from intake to the first attempt.",
            ["vendor", "lane"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retries = Counter(
            "orderloom_gateway_retries",
            "Attempts scheduled again.",
            ["vendor"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "orderloom_gateway_rate_limited",
            "429 answers received.",
            ["vendor"],
            registry=self.registry,
        )
        self.results = Counter(
            "orderloom_gateway_results",
            "Requests answered, by error (ok on success).",
            ["vendor", "error"],
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(pools))


class _PoolCollector(Collector):
    def __init__(self, pools: Callable[[], Mapping[str, PoolFigures]]) -> None:
        self._pools = pools

    def collect(self) -> Iterable[GaugeMetricFamily]:
        in_use = GaugeMetricFamily(
            "orderloom_gateway_slots_in_use", "Requests in flight.", labels=["vendor", "lane"]
        )
        queued = GaugeMetricFamily(
            "orderloom_gateway_queued", "Requests waiting for a slot.", labels=["vendor", "lane"]
        )
        limit = GaugeMetricFamily(
            "orderloom_gateway_limit", "Effective limit (AIMD, at most the cap).", labels=["vendor"]
        )
        cap = GaugeMetricFamily("orderloom_gateway_cap", "Configured cap.", labels=["vendor"])
        circuit = GaugeMetricFamily(
            "orderloom_gateway_circuit_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open.",
            labels=["vendor"],
        )
        for name, pool in self._pools().items():
            view = pool.view()
            for lane, figures in (("sync", view.sync), ("async", view.async_)):
                in_use.add_metric([name, lane], figures.in_use)
                queued.add_metric([name, lane], figures.queued)
            limit.add_metric([name], view.limit)
            cap.add_metric([name], view.cap)
            circuit.add_metric([name], CIRCUIT_CODES[pool.circuit()])
        yield from (in_use, queued, limit, cap, circuit)
