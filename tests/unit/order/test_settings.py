"""The intake refuses to start without a real-looking webhook secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from order_service.settings import OrderServiceSettings


@pytest.mark.parametrize("secret", ["", "short", "changeme-changeme", "aaaaaaaaaaaaaaaaaaaa"])
def test_weak_secrets_are_refused_without_echoing_them(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as caught:
        OrderServiceSettings()  # type: ignore[call-arg]
    assert "webhook_secret" in str(caught.value)
    assert not secret or secret not in str(caught.value)


def test_no_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERLOOM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ValidationError, match="webhook_secret"):
        OrderServiceSettings()  # type: ignore[call-arg]


def test_a_real_looking_secret_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", "5f0c2e9a71b84d3e9c6a")
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_MAX_BYTES", "2048")
    settings = OrderServiceSettings()  # type: ignore[call-arg]
    assert settings.webhook_max_bytes == 2048
    assert "5f0c" not in repr(settings)
