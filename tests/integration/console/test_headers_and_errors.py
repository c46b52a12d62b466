"""What every answer of the console carries: security headers, cookies fit for the scheme,
no exception text on an error, and /healthz and /readyz telling the truth."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from console_service.app import create_app
from console_service.settings import ConsoleSettings
from tests.integration.console.support import PgConn

pytestmark = pytest.mark.integration
SECRET = "the database password is swordfish"


class Boom(RuntimeError):
    pass


@pytest.fixture
def app(console_settings: ConsoleSettings) -> FastAPI:
    """The console, with two routes that fail the way a bug would."""
    options = console_settings.console.model_copy(update={"project_definitions": False})
    made = create_app(console_settings.model_copy(update={"console": options}))

    def fail() -> None:
        raise Boom(SECRET)

    made.get("/api/boom")(fail)
    made.get("/boom")(fail)
    return made


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_failure_shows_a_reference_and_never_the_exception(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    api = client.get("/api/boom")
    assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
    body = api.json()
    assert SECRET not in api.text and "Boom" not in api.text
    assert re.fullmatch(r"[0-9a-f]{12}", body["reference"]) and body["reference"] in body["detail"]
    page = client.get("/boom")
    assert page.status_code == 500 and "Something went wrong on our side" in page.text
    assert SECRET not in page.text and "Boom" not in page.text and "Traceback" not in page.text
    reference = re.search(r"<code>([0-9a-f]{12})</code>", page.text)
    assert reference is not None
    logged = [r for r in caplog.records if getattr(r, "reference", None) == reference[1]]
    assert logged and logged[0].exc_info is not None and SECRET in str(logged[0].exc_info[1])


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    answers = {
        "/login": client.get("/login"),
        "/": client.get("/", follow_redirects=False),
        "/static/console.css": client.get("/static/console.css"),
        "/api/executions": client.get("/api/executions"),
        "/api/boom": client.get("/api/boom"),
        "/boom": client.get("/boom"),
        "/no-such-page": client.get("/no-such-page"),
        "/healthz": client.get("/healthz"),
        "/readyz": client.get("/readyz"),
        "/openapi.json": client.get("/openapi.json"),
        "/docs": client.get("/docs"),
    }
    assert {p: a.status_code for p, a in answers.items()} == {
        "/login": 200,
        "/": 303,
        "/static/console.css": 200,
        "/api/executions": 401,
        "/api/boom": 500,
        "/boom": 500,
        "/no-such-page": 404,
        "/healthz": 200,
        "/readyz": 200,
        "/openapi.json": 200,
        "/docs": 200,
    }
    for path, answer in answers.items():
        policy = answer.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in answer.headers, path
        if path != "/docs":
            assert "script-src 'self';" in policy and "unsafe-inline" not in policy, path
    assert "<script" not in answers["/login"].text
    login_cookie = answers["/login"].headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie
    assert "Secure" not in login_cookie


def test_over_https_browsers_are_told_to_stay_and_cookies_are_secure(app: FastAPI) -> None:
    with TestClient(app, base_url="https://console.example") as https:
        form = https.get("/login")
    assert form.headers["strict-transport-security"].startswith("max-age=31536000")
    cookie = form.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_readyz_says_what_is_missing_and_healthz_stays_alive(
    client: TestClient, app: FastAPI, pg: PgConn
) -> None:
    assert client.get("/readyz").json() == {"status": "ready"}
    pg.execute("DELETE FROM component_migrations WHERE component = 'console'")
    missing = client.get("/readyz")
    assert missing.status_code == 503 and "console:1" in missing.json()["detail"]
    pg.execute("DROP TABLE schema_migrations")
    assert "migrations not applied: all" in client.get("/readyz").json()["detail"]
    app.state.console.pool.close()
    gone = client.get("/readyz")
    assert gone.status_code == 503 and "not reachable" in gone.json()["detail"]
    assert client.get("/healthz").json() == {"status": "alive"}
