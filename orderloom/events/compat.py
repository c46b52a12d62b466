"""The schema evolution check: every schema must read the data of all its committed versions.

That is Avro's backward compatibility, checked transitively against each version of the
file in git history, so CI on a fresh clone still compares a change with what came before.
Removing a committed schema is refused too: its old records would become unreadable.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


@dataclass(frozen=True)
class Incompatibility:
    file: str
    against: str
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.file} cannot read data written by {self.against}: " + "; ".join(
            self.problems
        )


def check_pair(new_text: str, old_text: str) -> list[str]:
    """What stops ``new`` from reading data written with ``old`` (empty when it can)."""
    new = avro.schema.parse(new_text)
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(new, avro.schema.parse(old_text))
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    fields = [f.name for f in new.fields] if isinstance(new, avro.schema.RecordSchema) else []
    places = sorted(_describe(loc, fields) for loc in result.locations if loc != "/")
    kinds = sorted(i.value for i in result.incompatibilities)
    return [*places, *sorted(result.messages), f"({', '.join(kinds)})"]


def _describe(location: str, fields: list[str]) -> str:
    match = re.match(r"^/fields/(\d+)", location)
    if match and int(match.group(1)) < len(fields):
        return f"field {fields[int(match.group(1))]!r} ({location})"
    return location


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else ""


def check_directory(schema_dir: Path, against: str | None = None) -> list[Incompatibility]:
    """Check each ``*.avsc`` against every committed version (or only ``against``'s)."""
    repo = Path(_git(schema_dir, "rev-parse", "--show-toplevel").strip() or schema_dir)
    prefix = _git(schema_dir, "rev-parse", "--show-prefix").strip()
    found: list[Incompatibility] = []
    committed = _git(repo, "ls-tree", "-r", "--name-only", against or "HEAD", "--", prefix)
    present = {p.name for p in schema_dir.glob("*.avsc")}
    for path in committed.split():
        if path.endswith(".avsc") and Path(path).name not in present:
            found.append(Incompatibility(path, against or "HEAD", ["schema file removed"]))
    for file in sorted(schema_dir.glob("*.avsc")):
        rel = prefix + file.name
        revisions = [against] if against else _git(repo, "rev-list", "HEAD", "--", rel).split()
        new_text = file.read_text()
        for rev in revisions:
            old_text = _git(repo, "show", f"{rev}:{rel}")
            if not old_text:
                continue
            problems = check_pair(new_text, old_text)
            if problems:
                found.append(Incompatibility(rel, rev[:12], problems))
    return found
