"""The schema evolution check against git history, in a scratch repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from orderloom.cli import app

V1 = {
    "type": "record",
    "name": "OrderReceived",
    "namespace": "orderloom.order",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "long"}],
}


def _repo(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas" / "avro"
    folder.mkdir(parents=True)
    (folder / "orderloom.order.OrderReceived.avsc").write_text(json.dumps(V1))
    for argv in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1"],
    ):
        subprocess.run(["git", "-C", str(tmp_path), *argv], check=True)
    return folder


def _check(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["schemas", "check", "--directory", str(folder)])
    return result.exit_code, result.output


def test_incompatible_change_is_rejected_naming_the_field(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    v2 = {
        **V1,
        "fields": [
            V1["fields"][0],
            {"name": "total_cents", "type": "int"},
            {"name": "channel", "type": "string"},
        ],
    }
    (folder / "orderloom.order.OrderReceived.avsc").write_text(json.dumps(v2))

    code, output = _check(folder)

    assert code == 1
    assert "field 'total_cents'" in output
    assert "field 'channel'" in output
    assert "reader_field_missing_default_value" in output


def test_compatible_change_is_accepted(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    v2 = {
        **V1,
        "fields": [
            *V1["fields"],
            {"name": "channel", "type": "string", "default": "web"},
        ],
    }
    (folder / "orderloom.order.OrderReceived.avsc").write_text(json.dumps(v2))

    assert _check(folder) == (0, "schemas compatible: 1 checked\n")


def test_removing_a_committed_schema_is_rejected(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    (folder / "orderloom.order.OrderReceived.avsc").unlink()

    code, output = _check(folder)

    assert code == 1
    assert "schema file removed" in output
