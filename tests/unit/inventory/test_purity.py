"""The domain modules of both services import nothing that does I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orderloom.settings import PROJECT_ROOT

FORBIDDEN = ("psycopg", "confluent_kafka", "fastapi", "httpx", "orderloom")
PURE = [
    "services/inventory/inventory_service/model.py",
    "services/inventory/inventory_service/domain.py",
    "services/inventory/inventory_service/lifecycle.py",
    "services/inventory/inventory_service/commands.py",
    "services/billing/billing_service/model.py",
    "services/billing/billing_service/domain.py",
    "services/billing/billing_service/cancellation.py",
    "services/billing/billing_service/operations.py",
    "services/billing/billing_service/ids.py",
    "services/billing/billing_service/commands.py",
]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("module", PURE)
def test_domain_module_is_pure(module: str) -> None:
    assert not _imports(PROJECT_ROOT / module) & set(FORBIDDEN)
