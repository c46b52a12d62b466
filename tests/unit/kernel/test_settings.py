"""Settings come from the environment; unset addresses mean the local stack."""

from __future__ import annotations

import pytest

from orderloom.settings import OrderloomSettings


def test_addresses_follow_the_local_stack_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERLOOM_STACK__KAFKA_PORT", "29092")
    monkeypatch.setenv("ORDERLOOM_STACK__POSTGRES_PORT", "25432")
    settings = OrderloomSettings()
    assert settings.kafka.bootstrap_servers == "127.0.0.1:29092"
    assert settings.postgres.dsn == "postgresql://orderloom@127.0.0.1:25432/orderloom"


def test_explicit_addresses_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS", "broker:9092")
    monkeypatch.setenv("ORDERLOOM_POSTGRES__DSN", "postgresql://u@db/x")
    settings = OrderloomSettings()
    assert (settings.kafka.bootstrap_servers, settings.postgres.dsn) == (
        "broker:9092",
        "postgresql://u@db/x",
    )
