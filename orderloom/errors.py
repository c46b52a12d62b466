"""Every error is either retryable or terminal, and its type says which."""

from __future__ import annotations


class OrderloomError(Exception):
    """Base of the project's own errors."""


class RetryableError(OrderloomError):
    """Trying the same thing again later may succeed (broker down, timeout)."""


class TerminalError(OrderloomError):
    """Trying again cannot help (bad input, unknown schema, refused by policy)."""


class PoisonRecord(TerminalError):
    """A record no retry can apply: it goes to its topic's dead-letter topic (or fails the
    execution it belongs to) and its consumer moves on. ``reason`` is a short code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
