"""Canned answers for reads: ``GET /stock-levels`` served from a JSON file.

Without them the simulator echoes what it was sent, which is enough for a vendor that is
written to (sales orders, shipments) but not for one that is read from, like an ERP whose
stock levels and products a scheduled sync pulls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Fixtures = dict[tuple[str, str], Any]
"""(method, path without query string) -> the JSON body to answer with."""

_SPEC = re.compile(r"([A-Za-z]+) +(/[^=\s]*)=(.+)")


def parse(text: str) -> tuple[str, str, Path]:
    """Read ``METHOD /path=FILE``, e.g. ``GET /stock-levels=levels.json``."""
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"expected 'METHOD /path=FILE.json', got {text!r}")
    method, path, file = match.groups()
    return method.upper(), path, Path(file)


def load(specs: Iterable[str]) -> Fixtures:
    """The answers ``specs`` name, each file read as JSON; a problem names the file."""
    fixtures: Fixtures = {}
    for text in specs:
        method, path, file = parse(text)
        try:
            fixtures[method, path] = json.loads(file.read_text(encoding="utf-8"))
        except OSError as e:
            raise ValueError(f"{file}: cannot read: {e.strerror}") from e
        except json.JSONDecodeError as e:
            raise ValueError(f"{file}: not valid JSON: {e}") from e
    return fixtures
