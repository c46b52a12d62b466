"""Canned answers for reads: parsed from the command line, served like any other call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderloom.cli.sim import app
from sim.vendor import fixtures
from tests.unit.sim.test_vendor import vendor

LEVELS = {"levels": [{"sku": "TEE-BLA-001", "on_hand": 7}]}


def test_a_spec_names_method_path_and_file() -> None:
    assert fixtures.parse("get /stock-levels=erp/levels.json") == (
        "GET",
        "/stock-levels",
        Path("erp/levels.json"),
    )


@pytest.mark.parametrize("text", ["/stock-levels=x.json", "GET stock-levels=x.json", "GET /a"])
def test_a_spec_without_method_path_or_file_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"METHOD /path=FILE\.json"):
        fixtures.parse(text)


def test_load_reads_each_file_and_names_the_one_at_fault(tmp_path: Path) -> None:
    good, bad = tmp_path / "levels.json", tmp_path / "bad.json"
    good.write_text(json.dumps(LEVELS))
    bad.write_text("{not json")

    assert fixtures.load([f"GET /stock-levels={good}"]) == {("GET", "/stock-levels"): LEVELS}
    with pytest.raises(ValueError, match=r"bad\.json: not valid JSON"):
        fixtures.load([f"GET /products={bad}"])
    with pytest.raises(ValueError, match=r"missing\.json: cannot read"):
        fixtures.load([f"GET /products={tmp_path / 'missing.json'}"])


@pytest.mark.anyio
async def test_the_fixture_answers_its_call_whatever_the_query_and_others_are_echoed() -> None:
    v = vendor(fixtures={("GET", "/stock-levels"): LEVELS})

    read = await v.call("GET", "/stock-levels?location=main", {}, b"")
    write = await v.call("POST", "/stock-levels", {}, b'{"sku": "A"}')

    assert (read.status, read.body) == (200, LEVELS)
    assert write.body["operation"] == "POST /stock-levels"
    assert v.counters.completed == 2


@pytest.mark.anyio
async def test_a_fixture_does_not_hide_injected_failures() -> None:
    v = vendor(fixtures={("GET", "/stock-levels"): LEVELS}, error_rate=1.0)

    read = await v.call("GET", "/stock-levels", {}, b"")

    assert read.status == 500


def test_the_command_refuses_a_fixture_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "levels.json"
    result = CliRunner().invoke(app, ["vendor", "--respond", f"GET /stock-levels={missing}"])

    assert result.exit_code == 2
    assert "cannot read" in result.output
