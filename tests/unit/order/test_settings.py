"""The intake refuses to start without real-looking webhook secrets, one per configured shop."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from order_service.settings import OrderServiceSettings


@pytest.mark.parametrize("secret", ["", "short", "changeme-changeme", "aaaaaaaaaaaaaaaaaaaa"])
def test_weak_secrets_are_refused_without_echoing_them(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as caught:
        OrderServiceSettings()
    assert "webhook_secret" in str(caught.value)
    assert not secret or secret not in str(caught.value)


def test_no_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERLOOM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ValidationError, match="webhook_secret"):
        OrderServiceSettings()


def test_a_real_looking_secret_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", "5f0c2e9a71b84d3e9c6a")
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_MAX_BYTES", "2048")
    settings = OrderServiceSettings()
    assert settings.webhook_max_bytes == 2048
    assert "5f0c" not in repr(settings)


def test_shops_come_from_one_json_variable_each_with_its_own_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ORDERLOOM_WEBHOOK_SECRET", raising=False)
    shops = {
        "Acme.myshopify.com": "5f0c2e9a71b84d3e9c6a",
        "globex.myshopify.com": "b7d1e4a09c3f2865ab17",
    }
    monkeypatch.setenv("ORDERLOOM_SHOPS", json.dumps(shops))
    settings = OrderServiceSettings()
    assert settings.shop_secrets() == {
        "acme.myshopify.com": b"5f0c2e9a71b84d3e9c6a",
        "globex.myshopify.com": b"b7d1e4a09c3f2865ab17",
    }
    assert "5f0c" not in repr(settings)


def test_the_single_secret_is_the_shop_domains_and_adds_to_the_shops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", "5f0c2e9a71b84d3e9c6a")
    assert OrderServiceSettings().shop_secrets() == {
        "orderloom-demo.myshopify.com": b"5f0c2e9a71b84d3e9c6a"
    }
    monkeypatch.setenv("ORDERLOOM_SHOP_DOMAIN", "Acme.myshopify.com")
    monkeypatch.setenv("ORDERLOOM_SHOPS", '{"globex.myshopify.com": "b7d1e4a09c3f2865ab17"}')
    assert OrderServiceSettings().shop_secrets() == {
        "acme.myshopify.com": b"5f0c2e9a71b84d3e9c6a",
        "globex.myshopify.com": b"b7d1e4a09c3f2865ab17",
    }


@pytest.mark.parametrize(
    ("shops", "problem"),
    [
        ({"acme.myshopify.com": "changeme-changeme"}, "placeholder"),
        ({"acme.myshopify.com": "short"}, "at least 16 characters"),
        (
            {
                "acme.myshopify.com": "5f0c2e9a71b84d3e9c6a",
                "b.myshopify.com": "5f0c2e9a71b84d3e9c6a",
            },
            "two shops share a webhook secret",
        ),
        ({"not a domain": "5f0c2e9a71b84d3e9c6a"}, "is not a shop domain"),
    ],
)
def test_weak_shared_or_misnamed_shop_secrets_are_refused_without_echoing_them(
    shops: dict[str, str], problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERLOOM_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("ORDERLOOM_SHOPS", json.dumps(shops))
    with pytest.raises(ValidationError, match=problem) as caught:
        OrderServiceSettings()
    assert all(secret not in str(caught.value) for secret in shops.values())


def test_a_shop_with_two_secrets_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_SECRET", "5f0c2e9a71b84d3e9c6a")
    monkeypatch.setenv(
        "ORDERLOOM_SHOPS", '{"orderloom-demo.myshopify.com": "b7d1e4a09c3f2865ab17"}'
    )
    with pytest.raises(ValidationError, match="has a secret in both"):
        OrderServiceSettings()
