"""Pure pieces of the console: the input diff, field names in problems, roles, passwords."""

from __future__ import annotations

import pytest
from fastapi.exceptions import RequestValidationError

from console_service.access import Principal, _hasher
from console_service.api.problems import field_errors
from console_service.web.forms import diff_lines


def test_the_diff_shows_only_what_changed_in_the_input() -> None:
    lines = diff_lines({"sku": "A", "qty": 0}, {"sku": "A", "qty": 2})
    assert ("-", '-  "qty": 0') in lines and ("+", '+  "qty": 2') in lines
    assert all(kind in "+- @" for kind, _ in lines)


def test_validation_problems_name_the_field() -> None:
    error = RequestValidationError(
        [
            {
                "loc": ("body", "input"),
                "msg": "Input should be a valid dictionary",
                "type": "dict_type",
            }
        ]
    )
    assert field_errors(error) == [
        {"field": "input", "message": "Input should be a valid dictionary"}
    ]


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("viewer", ["viewer"]),
        ("operator", ["viewer", "operator"]),
        ("admin", ["viewer", "operator", "admin"]),
    ],
)
def test_roles_include_the_weaker_ones(role: str, may: list[str]) -> None:
    who = Principal("x", role, "user")
    assert [r for r in ("viewer", "operator", "admin") if who.may(r)] == may


def test_passwords_are_hashed_with_argon2id() -> None:
    hashed = _hasher.hash("a long password")
    assert hashed.startswith("$argon2id$") and _hasher.verify(hashed, "a long password")
