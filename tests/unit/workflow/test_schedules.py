"""Schedules: slots from intervals and cron expressions, ids that name the slot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderloom.cli.workflow import app
from orderloom.settings import PROJECT_ROOT
from orderloom.workflow.schedules import Schedule, ScheduleError, load, parse_every

AT = datetime(2026, 11, 23, 9, 7, 30, tzinfo=UTC)


def test_interval_slots_align_to_the_interval() -> None:
    every = Schedule("sync", "InventorySync", {}, {}, every_s=parse_every("15m"))
    assert every.last_slot(AT) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert every.next_slot(AT) == datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    assert every.execution_id(every.last_slot(AT)) == "sync-20261123T090000Z"


def test_cron_slots() -> None:
    nightly = Schedule("products", "ProductSync", {}, {}, cron="30 2 * * *")
    assert nightly.last_slot(AT) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert nightly.next_slot(AT) == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    on_the_dot = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert nightly.last_slot(on_the_dot) == on_the_dot


@pytest.mark.parametrize("text", ["15", "0m", "5w", "m"])
def test_bad_intervals_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an interval"):
        parse_every(text)


def test_load_reads_definitions_relative_to_the_file_and_names_bad_entries(tmp_path: Path) -> None:
    (tmp_path / "flow.json").write_text(
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    good = tmp_path / "good.toml"
    good.write_text(
        '[[schedule]]\nname = "s"\nworkflow = "W"\ndefinition = "flow.json"\n'
        'every = "1h"\ninput = {full = true}\n'
    )
    [schedule] = load(good)
    assert (schedule.every_s, schedule.input, schedule.definition["StartAt"]) == (
        3600,
        {"full": True},
        "P",
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[schedule]]\nname = "t"\nworkflow = "W"\ndefinition = "flow.json"\n'
        'every = "1h"\ncron = "* * * * *"\n'
    )
    with pytest.raises(ScheduleError, match=r"schedule 't'.*exactly one"):
        load(bad)


def test_the_schedule_command_refuses_a_pace_that_is_not_an_interval() -> None:
    schedules = PROJECT_ROOT / "services" / "inventory" / "schedules.toml"

    result = CliRunner().invoke(app, ["schedule", str(schedules), "--every", "soon"])

    assert result.exit_code == 2
    assert "'soon' is not an interval" in result.output
