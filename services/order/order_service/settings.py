"""The order intake's settings (``ORDERLOOM_`` environment variables), checked at startup.

Webhooks are taken from configured shops only, each with its own secret:
``ORDERLOOM_SHOPS`` is a JSON object ``{"acme.myshopify.com": "<secret>", ...}`` (one
environment variable, so one key of a Kubernetes Secret), and ``ORDERLOOM_WEBHOOK_SECRET``
is still the secret of one shop, ``ORDERLOOM_SHOP_DOMAIN``. No secret has a default: a
service that would accept webhooks signed with a guessable key must not start, so an empty,
short or placeholder-looking one is refused, and so are two shops sharing a secret (a
webhook of one could be replayed as the other's).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from order_service.webhooks import shop_of
from orderloom.settings import OrderloomSettings

_PLACEHOLDERS = ("changeme", "changethis", "secret", "default", "example", "password", "test")


class OrderServiceSettings(OrderloomSettings):
    """At least one shop (``ORDERLOOM_SHOPS`` or ``ORDERLOOM_WEBHOOK_SECRET``) is required;
    the rest have working defaults."""

    model_config = SettingsConfigDict(**OrderloomSettings.model_config, hide_input_in_errors=True)

    service_name: str = "order-service"
    shops: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="The shops whose webhooks are taken: domain -> that shop's webhook secret.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The webhook secret of the one shop ``shop_domain`` (Shopify: the app's "
        "client secret), for a deployment that serves one shop.",
    )
    shop_domain: str = Field(
        default="orderloom-demo.myshopify.com",
        description="The shop ``webhook_secret`` belongs to.",
    )
    triggered_at_window_s: float = Field(
        default=48 * 3600.0,
        gt=0,
        description="Deliveries whose X-Shopify-Triggered-At is older are refused as stale "
        "(Shopify retries a failed delivery for hours: 4 since September 2024, 48 before).",
    )
    transaction_max_records: int = Field(
        default=2000,
        ge=2,
        description="A group commit's transaction takes at most this many records.",
    )
    transaction_lanes: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Transactions committing at once (one producer each): while one "
        "commits, the next webhooks go into another.",
    )
    transaction_linger_ms: float = Field(
        default=2.0,
        ge=0,
        description="How long a transaction waits for more webhooks before committing.",
    )
    webhook_max_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Larger webhook bodies are refused (413)."
    )
    duplicate_window_s: float = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        description="How far back order.events is read at startup to recognise repeats "
        "(Shopify retries a failed delivery for up to 48 hours).",
    )
    max_record_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description="The producer's message.max.bytes; a webhook whose records would be "
        "larger (or larger than its topics take) is refused (413).",
    )
    delivery_timeout_ms: int = Field(
        default=20_000, ge=1000, description="A record not acknowledged by then fails (503)."
    )
    host: str = "127.0.0.1"
    port: int = 8080

    @property
    def triggered_at_window(self) -> timedelta:
        return timedelta(seconds=self.triggered_at_window_s)

    def shop_secrets(self) -> dict[str, bytes]:
        """Every configured shop's domain (lower-cased) and secret."""
        secrets = {
            domain: secret.get_secret_value().encode() for domain, secret in self.shops.items()
        }
        if self.webhook_secret is not None:
            secrets[self.shop_domain] = self.webhook_secret.get_secret_value().encode()
        return secrets

    @field_validator("webhook_secret")
    @classmethod
    def _refuse_weak_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_secret(value.get_secret_value())
        return value

    @field_validator("shops")
    @classmethod
    def _refuse_weak_shop_secrets(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for domain, secret in value.items():
            shop_of(domain)
            _check_secret(secret.get_secret_value())
        return {domain.strip().lower(): secret for domain, secret in value.items()}

    @field_validator("shop_domain")
    @classmethod
    def _a_shop_domain(cls, value: str) -> str:
        shop_of(value)
        return value.strip().lower()

    @model_validator(mode="after")
    def _one_secret_per_shop(self) -> Self:
        if self.webhook_secret is None and not self.shops:
            raise ValueError(
                "no shop configured: set ORDERLOOM_SHOPS, or webhook_secret "
                "(ORDERLOOM_WEBHOOK_SECRET) for the one shop_domain"
            )
        if self.webhook_secret is not None and self.shop_domain in self.shops:
            raise ValueError(f"{self.shop_domain} has a secret in both shops and webhook_secret")
        secrets = list(self.shop_secrets().values())
        if len(set(secrets)) < len(secrets):
            raise ValueError("two shops share a webhook secret: each shop needs its own")
        return self


def _check_secret(secret: str) -> None:
    if len(secret) < 16:
        raise ValueError("the webhook secret must have at least 16 characters")
    lowered = secret.lower()
    if any(word in lowered for word in _PLACEHOLDERS) or len(set(secret)) < 6:
        raise ValueError("the webhook secret looks like a placeholder: use the real one")
