"""The order intake's settings (``ORDERLOOM_`` environment variables), checked at startup.

The webhook secret has no default: a service that would accept webhooks signed with a
guessable key must not start, so an empty, short or placeholder-looking one is refused.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from orderloom.settings import OrderloomSettings

_PLACEHOLDERS = ("changeme", "changethis", "secret", "default", "example", "password", "test")


class OrderServiceSettings(OrderloomSettings):
    """``ORDERLOOM_WEBHOOK_SECRET`` is required; the rest have working defaults."""

    model_config = SettingsConfigDict(**OrderloomSettings.model_config, hide_input_in_errors=True)

    service_name: str = "order-service"
    webhook_secret: SecretStr = Field(
        description="The storefront app's shared secret (Shopify: the app's client secret)."
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
    delivery_timeout_ms: int = Field(
        default=20_000, ge=1000, description="A record not acknowledged by then fails (503)."
    )
    host: str = "127.0.0.1"
    port: int = 8080

    @field_validator("webhook_secret")
    @classmethod
    def _refuse_weak_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if len(secret) < 16:
            raise ValueError("the webhook secret must have at least 16 characters")
        lowered = secret.lower()
        if any(word in lowered for word in _PLACEHOLDERS) or len(set(secret)) < 6:
            raise ValueError("the webhook secret looks like a placeholder: use the real one")
        return value
