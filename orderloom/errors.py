"""Every error is either retryable or terminal, and its type says which."""

from __future__ import annotations


class OrderloomError(Exception):
    """Base of the project's own errors."""


class RetryableError(OrderloomError):
    """Trying the same thing again later may succeed (broker down, timeout)."""


class TerminalError(OrderloomError):
    """Trying again cannot help (bad input, unknown schema, refused by policy)."""
