"""Failed logins against the real PostgreSQL: the lockout, across app instances, for unknown
names and whole addresses, and the audit trail it leaves (never a password)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from console_service import access
from console_service.app import create_app
from console_service.settings import ConsoleSettings
from tests.integration.console.support import PgConn

pytestmark = pytest.mark.integration
PASSWORD = "the right password"
WRONG = "Hunter2-wrong-guess"


@pytest.fixture
def strict(console_settings: ConsoleSettings) -> ConsoleSettings:
    """Three failures lock a user for a second; ten lock an address."""
    options = console_settings.console.model_copy(
        update={
            "project_definitions": False,
            "login_limit_per_user": 3,
            "login_limit_per_address": 10,
            "login_lockout_s": 1.0,
        }
    )
    return console_settings.model_copy(update={"console": options})


@pytest.fixture
def client(strict: ConsoleSettings) -> Iterator[TestClient]:
    with TestClient(create_app(strict)) as test_client:
        yield test_client


def attempt(client: TestClient, username: str, password: str) -> Response:
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    data = {"username": username, "password": password, "csrf": token[1], "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf" value="[^"]+"', "", html)


def audit_text(pg: PgConn) -> list[tuple[str, str, str]]:
    rows = pg.execute("SELECT action, target, reason FROM audit_log ORDER BY audit_id").fetchall()
    return [(str(a), str(t), str(r)) for a, t, r in rows]


def test_the_third_failure_locks_the_user_across_instances_until_the_lockout_ends(
    client: TestClient, strict: ConsoleSettings, pg: PgConn
) -> None:
    access.add_user(pg, "olga", PASSWORD, "operator")
    for _ in range(2):
        wrong = attempt(client, "olga", WRONG)
        assert wrong.status_code == 303 and "failed=1" in wrong.headers["location"]
    locked = attempt(client, "olga", WRONG)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in locked.text
    refused = attempt(client, "olga", PASSWORD)
    assert refused.status_code == 429, "the right password does not help while locked"

    with TestClient(create_app(strict)) as restarted:
        assert attempt(restarted, "olga", PASSWORD).status_code == 429

    deadline = time.monotonic() + 20
    while (answer := attempt(client, "olga", PASSWORD)).status_code == 429:
        assert time.monotonic() < deadline, "the lockout never ended"
        time.sleep(0.2)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert pg.execute(
        "SELECT count(*) FROM console_login_failures WHERE scope = 'user'"
    ).fetchone() == (0,)
    for _ in range(2):
        assert attempt(client, "olga", WRONG).status_code == 303, "the count started again"

    actions = [a for a, _, _ in audit_text(pg)]
    assert actions == ["login-failed"] * 3 + ["login-locked", "login"] + ["login-failed"] * 2
    failed = [(t, r) for a, t, r in audit_text(pg) if a == "login-failed"]
    assert all(t == "olga" and "testclient" in r for t, r in failed)
    locks = [(t, r) for a, t, r in audit_text(pg) if a == "login-locked"]
    assert locks[0][0] == "user:olga" and "3 failed logins" in locks[0][1]
    everything = pg.execute("SELECT string_agg(row_to_json(a)::text, ' ') FROM audit_log a")
    assert WRONG not in str(everything.fetchone()) and PASSWORD not in str(everything)


def test_unknown_names_are_locked_out_the_same_way(client: TestClient, pg: PgConn) -> None:
    access.add_user(pg, "real", PASSWORD, "viewer")
    known = [attempt(client, "real", WRONG) for _ in range(3)]
    unknown = [attempt(client, "ghost", WRONG) for _ in range(3)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [303, 303, 429]
    assert without_tokens(known[-1].text) == without_tokens(unknown[-1].text)
    assert "Too many failed sign-ins" in unknown[-1].text
    targets = {t for a, t, _ in audit_text(pg) if a == "login-locked"}
    assert targets == {"user:real", "user:ghost"}


def test_one_address_guessing_many_names_is_locked_out_for_all_of_them(
    client: TestClient, pg: PgConn
) -> None:
    access.add_user(pg, "victor", PASSWORD, "admin")
    answers = [attempt(client, f"guess-{n}", WRONG).status_code for n in range(10)]
    assert answers == [303] * 9 + [429]
    assert attempt(client, "victor", PASSWORD).status_code == 429
    assert ("login-locked", "address:testclient") in {(a, t) for a, t, _ in audit_text(pg)}


def test_two_replicas_count_into_one_lockout(strict: ConsoleSettings, pg: PgConn) -> None:
    with TestClient(create_app(strict)) as one, TestClient(create_app(strict)) as two:
        access.add_user(pg, "rita", PASSWORD, "operator")
        assert attempt(one, "rita", WRONG).status_code == 303
        assert attempt(two, "rita", WRONG).status_code == 303
        assert attempt(one, "rita", WRONG).status_code == 429
        assert attempt(two, "rita", PASSWORD).status_code == 429
