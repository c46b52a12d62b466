"""Users, tokens and the audit log through the API: admins only, every change audited,
a revoked token refused, the audit log append-only in PostgreSQL itself."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.integration.console.conftest import System, Tokens
from tests.integration.console.support import PgConn

pytestmark = pytest.mark.integration


def test_admin_manages_users_and_tokens_and_every_change_is_audited(
    system: System, client: TestClient, tokens: Tokens, pg: PgConn
) -> None:
    for path in ("/api/users", "/api/tokens"):
        assert client.get(path, headers=tokens.operator).status_code == 403
    user = {"username": "maria", "password": "correct horse battery", "role": "operator"}
    assert client.post("/api/users", json=user, headers=tokens.admin).status_code == 201
    assert client.post("/api/users", json=user, headers=tokens.admin).status_code == 422
    weak = client.post(
        "/api/users", json={**user, "username": "x", "password": "short"}, headers=tokens.admin
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    listed = client.get("/api/users", headers=tokens.admin).json()["users"]
    assert [(u["username"], u["role"]) for u in listed] == [("maria", "operator")]
    stored = pg.execute("SELECT password_hash FROM console_users").fetchone()
    assert stored is not None and str(stored[0]).startswith("$argon2id$")

    made = client.post(
        "/api/tokens", json={"name": "erp-sync", "role": "viewer"}, headers=tokens.admin
    ).json()
    auth = {"Authorization": f"Bearer {made['secret']}"}
    assert client.get("/api/executions", headers=auth).status_code == 200
    assert made["secret"] not in str(pg.execute("SELECT * FROM api_tokens").fetchall())
    assert client.delete(f"/api/tokens/{made['token_id']}", headers=tokens.admin).status_code == 200
    assert client.get("/api/executions", headers=auth).status_code == 401
    assert client.post("/api/users/maria/disable", headers=tokens.admin).status_code == 200
    assert client.post("/api/users/nobody/disable", headers=tokens.admin).status_code == 404

    actions = [
        e["action"] for e in client.get("/api/audit", headers=tokens.viewer).json()["entries"]
    ]
    assert actions == ["user-disable", "token-revoke", "token-create", "user-add"]
    for change in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log CASCADE",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            pg.execute(change)
