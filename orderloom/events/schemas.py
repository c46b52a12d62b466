"""The Avro schemas in ``schemas/avro/``: loaded, parsed and fingerprinted once.

Each ``.avsc`` file holds one record; its full name (``namespace.name``) is the event's
CloudEvents ``type``, so a record's type says which schema decodes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

from orderloom.settings import PROJECT_ROOT


def schema_dir() -> Path:
    """``schemas/avro`` in a checkout, or the copy packaged inside the wheel."""
    checkout = PROJECT_ROOT / "schemas" / "avro"
    return checkout if checkout.exists() else Path(__file__).parent / "avsc"


@dataclass(frozen=True)
class Schema:
    """One record schema: its source text, parsed form and CRC-64-AVRO fingerprint."""

    name: str
    source: str
    parsed: Any
    fingerprint: bytes


class SchemaSet:
    """Every known record schema by full name and by fingerprint."""

    def __init__(self, schemas: dict[str, Schema]) -> None:
        self._by_name = schemas
        self._by_fingerprint = {s.fingerprint: s for s in schemas.values()}

    @classmethod
    def load(cls, directory: Path | None = None) -> SchemaSet:
        """Parse every ``*.avsc`` below ``directory`` (named types may refer to each other)."""
        named: dict[str, Any] = {}
        pending = {
            p: json.loads(p.read_text()) for p in sorted((directory or schema_dir()).glob("*.avsc"))
        }
        schemas: dict[str, Schema] = {}
        while pending:
            progressed = False
            for path, raw in list(pending.items()):
                try:
                    parsed = parse_schema(raw, named_schemas=named)
                except Exception:  # may refer to a type in a file not parsed yet
                    continue
                name = (
                    raw["name"]
                    if "." in raw["name"]
                    else f"{raw.get('namespace', '')}.{raw['name']}".lstrip(".")
                )
                canonical = to_parsing_canonical_form(parsed)
                schemas[name] = Schema(
                    name,
                    json.dumps(raw),
                    parsed,
                    bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
                )
                del pending[path]
                progressed = True
            if not progressed:
                bad = ", ".join(p.name for p in pending)
                raise ValueError(f"cannot parse Avro schemas: {bad}")
        return cls(schemas)

    def by_name(self, name: str) -> Schema | None:
        return self._by_name.get(name)

    def by_fingerprint(self, digest: bytes) -> Schema | None:
        return self._by_fingerprint.get(digest)

    def names(self) -> list[str]:
        return sorted(self._by_name)
