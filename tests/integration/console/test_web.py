"""The web console over HTTP: sign-in, CSRF on every form, roles, escaping, plain errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from console_service import access
from orderloom.events.codec import EventCodec
from tests.integration.console.conftest import System
from tests.integration.console.support import ORDER_FLOW, PgConn, order, status_of
from tests.integration.workflow.support import start_all

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the form; the CSRF token of the session's pages."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    data = {"username": username, "password": PASSWORD, "csrf": token[1], "next": "/"}
    home = client.post("/login", data=data)
    assert home.status_code == 200 and "Orders in progress and done" in home.text
    found = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert found is not None
    return found[1]


def test_operator_signs_in_reviews_the_change_and_redrives_from_the_browser(
    system: System, client: TestClient, codec: EventCodec, pg: PgConn
) -> None:
    access.add_user(pg, "olga", PASSWORD, "operator")
    hostile = {**order(4001, quantity=0), "note": "<script>alert('x')</script>"}
    start_all(system.settings, codec, {"h-1": hostile}, ORDER_FLOW)
    status_of(pg, "h-1", "FAILED")

    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    forged = client.post("/login", data={"username": "olga", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403
    csrf = sign_in(client, "olga")

    page = client.get("/executions/h-1")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert "<svg" in page.text and "#b42318" in page.text  # the failed step drawn in red
    assert 'href="#step-2"' in page.text or 'xlink:href="#step-2"' in page.text

    fixed = '{"order_number": "#4001", "email": "customer4001@example.com", "quantity": 1}'
    no_token = client.post(
        "/executions/h-1/redrive", data={"input": fixed, "reason": "qty", "csrf": "bad"}
    )
    assert no_token.status_code == 403 and "expired" in no_token.text
    broken = client.post(
        "/executions/h-1/redrive/preview", data={"input": "{oops", "reason": "qty", "csrf": csrf}
    )
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    preview = client.post(
        "/executions/h-1/redrive/preview",
        data={"input": fixed, "reason": "qty was 0", "csrf": csrf},
    )
    assert preview.status_code == 200
    assert '<span class="ddel">-  &#34;quantity&#34;: 0,</span>' in preview.text
    done = client.post(
        "/executions/h-1/redrive", data={"input": fixed, "reason": "qty was 0", "csrf": csrf}
    )
    assert done.status_code == 200 and "Redrive requested" in done.text
    status_of(pg, "h-1", "SUCCEEDED", redrives=1)
    assert "olga" in client.get("/audit").text


def test_viewer_reads_but_cannot_redrive_and_errors_are_plain(
    system: System, client: TestClient, codec: EventCodec, pg: PgConn
) -> None:
    access.add_user(pg, "vera", PASSWORD, "viewer")
    start_all(system.settings, codec, {"v-1": order(5001, quantity=0)}, ORDER_FLOW)
    status_of(pg, "v-1", "FAILED")
    csrf = sign_in(client, "vera")
    page = client.get("/executions/v-1")
    assert page.status_code == 200 and "Fix and redrive" not in page.text
    refused = client.post(
        "/executions/v-1/redrive", data={"input": "{}", "reason": "x", "csrf": csrf}
    )
    assert refused.status_code == 403 and "operator role" in refused.text
    missing = client.get("/executions/nope")
    assert missing.status_code == 404 and "Traceback" not in missing.text
    vendors = client.get("/vendors")
    assert "The vendor gateway is not answering" in vendors.text
    counted = client.get("/bulk-redrive", params={"error": "ValueError", "count": "1"})
    assert (
        "<b>1</b> failed order match" in counted.text and "needs the operator role" in counted.text
    )
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303
