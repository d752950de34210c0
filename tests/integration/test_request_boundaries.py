"""What a request may not cross: another collection's skiptoken, an untrusted `Host`,
a frame around the portal; and the documentation that a deployment may close."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import error_of, make_group, make_user

from seatplan.server import create_app
from seatplan.settings import Settings


def _app(db, **settings) -> TestClient:
    return TestClient(create_app(db, Settings(database_url=db.url, secret_key="k", **settings)))


def test_a_members_skiptoken_is_refused_on_another_group(db, client, admin):
    users = [make_user(client, admin, name) for name in ("ann", "bob", "cat")]
    first = make_group(client, admin, "First", *users)
    second = make_group(client, admin, "Second", *users)
    page = client.get(f"/v1.0/groups/{first}/members?$top=1", headers=admin).json()
    token = dict(parse_qsl(urlsplit(page["@odata.nextLink"]).query))["$skiptoken"]
    follow = client.get(
        f"/v1.0/groups/{first}/members", headers=admin, params={"$top": "1", "$skiptoken": token}
    )
    assert follow.status_code == 200, follow.text
    other = client.get(
        f"/v1.0/groups/{second}/members", headers=admin, params={"$top": "1", "$skiptoken": token}
    )
    status, code, message = error_of(other)
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert "belongs to another query" in message


def test_an_untrusted_host_is_refused_and_never_reflected(db, client, admin):
    for name in ("ann", "bob"):
        make_user(client, admin, name)
    evil = client.get("/v1.0/users?$top=1", headers={**admin, "Host": "evil.example"})
    assert evil.status_code == 400
    assert "evil.example" not in evil.text
    assert client.get("/signin", headers={"Host": "evil.example"}).status_code == 400
    local = client.get("/v1.0/users?$top=1", headers={**admin, "Host": "localhost:8000"})
    assert local.json()["@odata.nextLink"].startswith("http://localhost:8000/v1.0/users?")


def test_links_use_the_public_base_url_when_set(db, client, admin):
    for name in ("ann", "bob"):
        make_user(client, admin, name)
    with _app(db, public_base_url="https://seatplan.example.com/", trusted_hosts=["*"]) as public:
        body = public.get("/v1.0/users?$top=1", headers={**admin, "Host": "evil.example"}).json()
    assert body["@odata.nextLink"].startswith("https://seatplan.example.com/v1.0/users?$top=1&")
    assert body["@odata.context"].startswith("https://seatplan.example.com/v1.0/$metadata#")


def test_settings_read_hosts_comma_separated_and_refuse_a_relative_base_url(monkeypatch):
    monkeypatch.setenv("SEATPLAN_TRUSTED_HOSTS", "seatplan.example.com, *.corp.example")
    assert Settings().trusted_hosts == ["seatplan.example.com", "*.corp.example"]
    with pytest.raises(ValueError, match="absolute"):
        Settings(public_base_url="seatplan.example.com")


def test_settings_refuse_a_webhook_lease_no_longer_than_a_request():
    with pytest.raises(ValueError, match="LEASE_SECONDS \\(10\\) must be longer"):
        Settings(webhook_lease_seconds=10, webhook_timeout_seconds=10)
    longer = Settings(webhook_lease_seconds=11, webhook_timeout_seconds=10)
    assert longer.webhook_lease_seconds == 11


def test_portal_pages_forbid_frames_inline_script_and_sniffing(portal):
    pages = [portal.client.get("/signin")]
    portal.sign_in("admin")
    pages += [portal.client.get(path) for path in ("/licenses", "/groups", "/groups/not-a-uuid")]
    for page in pages:
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in pages[1].text  # the policy would block an inline script


def test_the_api_documentation_is_open_by_default_and_can_be_closed(db):
    with _app(db) as default:
        assert default.get("/docs").status_code == 200
        assert default.get("/openapi.json").status_code == 200
    with _app(db, api_docs=False) as closed:
        assert closed.get("/docs").status_code == 404
        assert closed.get("/openapi.json").status_code == 404
        assert closed.get("/signin").status_code == 200
