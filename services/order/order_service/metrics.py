"""The intake's Prometheus figures: every webhook ends counted, by outcome or by refusal.

A registry per app (no global state), so several intakes can run in one process (tests).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REASONS = (
    "oversize",
    "unknown_shop",
    "unauthenticated",
    "unknown_topic",
    "stale",
    "unparseable",
    "unstorable",
    "topic_mismatch",
    "invalid_payload",
    "record_too_large",
)
"""Why a delivery is refused; each is a label of ``orderloom_webhooks_refused_total``."""


class IntakeMetrics:
    """Webhooks refused (by reason), accepted, duplicate and not written (503)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.refused = Counter(
            "orderloom_webhooks_refused",
            "Webhooks refused with a 4xx before anything was written, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.answered = Counter(
            "orderloom_webhooks",
            "Webhooks written (accepted), found done already (duplicate) or not written "
            "because their transaction aborted (not_written, answered 503).",
            ["outcome"],
            registry=self.registry,
        )
        for reason in REASONS:
            self.refused.labels(reason)
        for outcome in ("accepted", "duplicate", "not_written"):
            self.answered.labels(outcome)
