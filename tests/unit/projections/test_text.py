"""What operations staff type and read: times in, aligned tables out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderloom.projections.text import parse_when, table


def test_times_are_iso_in_utc_unless_they_say_otherwise_or_an_age() -> None:
    assert parse_when("2026-01-31T08:00") == datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert parse_when("2026-01-31T08:00+01:00") == datetime(2026, 1, 31, 7, tzinfo=UTC)
    before = datetime.now(UTC)
    six_hours_ago = parse_when("6h")
    assert timedelta(0) <= six_hours_ago - (before - timedelta(hours=6)) < timedelta(seconds=5)
    with pytest.raises(ValueError, match="'yesterday' is not a time"):
        parse_when("yesterday")


def test_tables_align_columns_and_cut_long_cells() -> None:
    lines = table(("ID", "ERROR"), [("a", "x" * 80), ("bbb", "")]).splitlines()
    assert lines[0] == "ID   ERROR"
    assert lines[1] == "a    " + "x" * 59 + "…"
    assert lines[2] == "bbb"
