"""A completion PostgreSQL refuses fails alone: the others written with it are recorded."""

from __future__ import annotations

import asyncio

import psycopg

from orderloom.settings import OrderloomSettings
from tests.integration.poison import NUL
from vendor_gateway.completions import CompletionStore
from vendor_gateway.jobs import Result


def test_a_refused_completion_does_not_take_the_others_of_its_write_with_it(
    gw_settings: OrderloomSettings,
) -> None:
    async def record_three() -> tuple[list[BaseException | None], dict[str, Result]]:
        store = CompletionStore(gw_settings.postgres.dsn)
        await store.open()
        try:
            outcomes = await asyncio.gather(
                store.record("erp", "k-1", Result(200, '{"ok": 1}')),
                store.record("erp", "k-2", Result(200, f"body with a NUL{NUL}")),
                store.record("erp", "k-3", Result(201, '{"ok": 3}')),
                return_exceptions=True,
            )
            return list(outcomes), await store.found("erp", ["k-1", "k-2", "k-3"])
        finally:
            await store.close()

    outcomes, found = asyncio.run(record_three())

    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], psycopg.DataError)
    assert sorted(found) == ["k-1", "k-3"] and found["k-3"].status == 201
