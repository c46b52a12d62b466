"""The gateway's configuration file (TOML), validated so a mistake is named at start.

Secrets never sit in the file: ``auth_headers`` maps a header to the environment
variable holding its value (a Kubernetes secret mounted as env), read once at start.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vendor_gateway.retry import RetryPolicy


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which file, field and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Operation(_Strict):
    """How one named operation maps to the vendor's HTTP API."""

    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    path: str = Field(pattern=r"^/")


class RetrySettings(_Strict):
    max_attempts: int = Field(default=5, ge=1, le=50)
    base_delay_s: float = Field(default=0.5, gt=0)
    max_delay_s: float = Field(default=60.0, gt=0)

    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.base_delay_s, self.max_delay_s)


class BreakerSettings(_Strict):
    failure_threshold: int = Field(default=5, ge=1)
    window_s: float = Field(default=30.0, gt=0)
    open_for_s: float = Field(default=30.0, gt=0)


class LimiterSettings(_Strict):
    """AIMD tuning: how fast the limit drops on a shared-cap 429 and creeps back."""

    decrease_cooldown_s: float = Field(default=5.0, ge=0)
    quiet_period_s: float = Field(default=30.0, ge=0)


class VendorSettings(_Strict):
    """One vendor's pool: where it is, how many connections it allows, how to talk to it."""

    base_url: str = Field(pattern=r"^https?://")
    cap: int = Field(default=25, ge=1, le=1000)
    reserved_sync_slots: int = Field(default=5, ge=0)
    lend_reserved_slots: bool = Field(
        default=True,
        description="Async may borrow reserved slots while no sync request waits "
        "(a sync request then waits at most one slot turnover); false keeps them idle for sync.",
    )
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(
        default=300.0,
        gt=0,
        le=300,
        description="No byte for this long fails the attempt, and so does an attempt "
        "(redirects and body included) not complete within connect_timeout_s + this.",
    )
    max_response_bytes: int = Field(
        default=1 << 20,
        ge=1,
        le=1 << 20,
        description="A body over this is refused without reading the rest "
        "(<PREFIX>.ResponseTooLarge); at most 1 MiB, about what a reply record takes.",
    )
    max_redirects: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Redirects within the vendor's origin followed per attempt; 0 follows "
        "none. A redirect to another origin is never followed.",
    )
    honours_idempotency_key: bool = Field(
        default=True,
        description="Whether the vendor dedupes on Idempotency-Key; if not, unsafe calls "
        "(POST, PATCH) are never retried.",
    )
    error_prefix: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    auth_headers: dict[str, str] = Field(
        default_factory=dict, description="Header name -> environment variable with its value."
    )
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()
    limiter: LimiterSettings = LimiterSettings()
    operations: dict[str, Operation] = Field(min_length=1)

    @model_validator(mode="after")
    def _reserve_fits(self) -> VendorSettings:
        if self.reserved_sync_slots >= self.cap:
            raise ValueError("reserved_sync_slots must be below cap (async needs a slot)")
        return self


class GatewayConfig(_Strict):
    """The whole file: gateway-wide knobs and the ``[vendors.<name>]`` tables."""

    group_id: str = "vendor-gateway"
    max_queued: int = Field(
        default=20_000,
        ge=1,
        description="Requests held locally before partitions pause; sized so a batch fits "
        "and sync requests behind it are still read.",
    )
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    status_host: str = "0.0.0.0"
    status_port: int = Field(default=9464, ge=0, le=65535)
    vendors: dict[str, VendorSettings] = Field(min_length=1)

    def prefix(self, vendor: str) -> str:
        """The ASL error prefix of a vendor (known or not): ``ERP`` for ``erp``."""
        settings = self.vendors.get(vendor)
        if settings is not None and settings.error_prefix:
            return settings.error_prefix
        return "".join(c if c.isalnum() else "_" for c in vendor).upper() or "VENDOR"


def load_config(path: Path) -> GatewayConfig:
    """Read and validate ``path``; ``ConfigError`` lists every problem with its field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    try:
        return GatewayConfig.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}"
            for err in e.errors()
        )
        raise ConfigError(f"{path}: {problems}") from e


def auth_headers(
    vendor: str, settings: VendorSettings, env: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The vendor's auth headers with values from the environment; a missing one is an error."""
    missing = [var for var in settings.auth_headers.values() if var not in env]
    if missing:
        raise ConfigError(f"vendor {vendor}: environment variable(s) not set: {', '.join(missing)}")
    return {header: env[var] for header, var in settings.auth_headers.items()}
