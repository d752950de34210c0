"""Every route declares its permission and refuses a missing, a bad or a weak token."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import delete, func, select
from tests.integration.api_support import bearer, error_of, row_counts
from typer.testing import CliRunner

from seatplan.api.auth import Require
from seatplan.cli.main import app as cli
from seatplan.server import create_app
from seatplan.services import setup, signing, tokens
from seatplan.store.tables import AppSecret

#: Needs a valid token but no permission of its own: each request of a batch is
#: authorised as if it were made directly (tests/integration/test_api_batch.py).
BATCH = ("POST", "/v1.0/$batch")


def api_routes() -> list[tuple[str, str, APIRoute]]:
    """Every route of the Graph and admin APIs (the portal signs in with a session instead,
    and tests/integration/test_portal_auth.py walks its routes), `$batch` aside."""
    found = []
    for context in iter_route_contexts(create_app(db=None).routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith(("/v1.0/", "/admin/")):
            found.extend(
                (method, context.path, route)
                for method in sorted(route.methods)
                if (method, context.path) != BATCH
            )
    return found


def permissions_of(route: APIRoute) -> list[tuple[str, ...]]:
    return [
        dep.call.any_of for dep in route.dependant.dependencies if isinstance(dep.call, Require)
    ]


def test_every_route_declares_exactly_one_permission():
    routes = api_routes()
    assert len(routes) >= 35
    for method, path, route in routes:
        assert len(permissions_of(route)) == 1, f"{method} {path}"
        if path.startswith("/admin/"):
            assert permissions_of(route) == [(tokens.ADMIN,)], path


def _weaker(any_of: tuple[str, ...]) -> str:
    """A permission that grants none of `any_of`."""
    for candidate in tokens.PERMISSIONS:
        if not tokens.granted_by([candidate]) & set(any_of):
            return candidate
    raise AssertionError(any_of)


def test_every_route_refuses_missing_bad_and_weak_tokens(db, client):
    checked = 0
    for method, path, route in api_routes():
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        (any_of,) = permissions_of(route)
        weak = bearer(db, _weaker(any_of))
        cases = [
            ({}, 401, "InvalidAuthenticationToken"),
            (
                {"Authorization": "Bearer spt_000000000000_" + "x" * 43},
                401,
                "InvalidAuthenticationToken",
            ),
            ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "InvalidAuthenticationToken"),
            (weak, 403, "Authorization_RequestDenied"),
        ]
        for headers, status, code in cases:
            response = client.request(method, url, headers=headers)
            assert error_of(response)[:2] == (status, code), f"{method} {path} {headers}"
        checked += 1
    assert checked >= 35


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("Directory.Read.All", {"User.Read.All", "Group.Read.All", "Organization.Read.All"}),
        ("User.ReadWrite.All", {"User.Read.All"}),
        ("Group.ReadWrite.All", {"Group.Read.All", "GroupMember.ReadWrite.All"}),
    ],
)
def test_read_is_implied_by_readwrite_and_directory(scope, allowed):
    granted = tokens.granted_by([scope])
    assert allowed <= granted
    assert "Seatplan.Admin" not in granted
    assert "AuditLog.Read.All" not in granted


def test_directory_readwrite_allows_writes_but_not_admin(db, client):
    headers = bearer(db, "Directory.ReadWrite.All")
    created = client.post(
        "/v1.0/users",
        headers=headers,
        json={"userPrincipalName": "a@contoso.com", "displayName": "A"},
    )
    assert created.status_code == 201
    assert client.get("/v1.0/users", headers=headers).status_code == 200
    assert client.get("/admin/tokens", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("caller", "asked", "not_held"),
    [
        ([tokens.ADMIN], ["Directory.ReadWrite.All"], "Directory.ReadWrite.All"),
        (
            [tokens.ADMIN, "User.Read.All"],
            ["user.readwrite.all", "User.Read.All"],
            "User.ReadWrite.All",
        ),
        (
            [tokens.ADMIN, "Directory.Read.All"],
            ["Directory.Read.All", "AuditLog.Read.All"],
            "AuditLog.Read.All",
        ),
    ],
)
def test_a_token_cannot_mint_a_token_stronger_than_itself(db, client, caller, asked, not_held):
    headers = bearer(db, *caller)
    before = row_counts(db)
    answer = client.post("/admin/tokens", headers=headers, json={"name": "x", "scopes": asked})
    status, code, message = error_of(answer)
    assert (status, code) == (403, "Authorization_RequestDenied")
    assert message.endswith(f"does not hold {not_held}.")
    assert row_counts(db) == before


def test_a_token_mints_what_it_holds_and_the_command_line_anything(db, client, monkeypatch):
    caller = bearer(db, tokens.ADMIN, "Directory.ReadWrite.All")
    made = client.post(
        "/admin/tokens",
        headers=caller,
        json={"name": "reader", "scopes": [tokens.ADMIN, "User.ReadWrite.All", "Group.Read.All"]},
    )
    assert made.status_code == 201, made.text
    monkeypatch.setenv("SEATPLAN_DATABASE_URL", db.url)
    from seatplan.settings import get_settings

    get_settings.cache_clear()
    try:
        made = CliRunner().invoke(
            cli, ["token", "create", "--name", "all", *[f"--scope={p}" for p in tokens.PERMISSIONS]]
        )
    finally:
        get_settings.cache_clear()
    assert made.exit_code == 0, made.output


def test_token_cli_prints_the_token_last_and_stores_only_its_hash(db, monkeypatch):
    monkeypatch.setenv("SEATPLAN_DATABASE_URL", db.url)
    from seatplan.settings import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(
            cli,
            [
                "token",
                "create",
                "--name",
                "ci",
                "--scope",
                "User.Read.All",
                "--scope",
                "Group.Read.All",
            ],
        )
        assert made.exit_code == 0, made.output
        token = made.output.strip().splitlines()[-1]
        assert token.startswith("spt_")
        with db.reading() as session:
            principal = tokens.authenticate(session, token)
            assert principal is not None
            assert principal.granted == {"User.Read.All", "Group.Read.All"}
            stored = tokens.list_tokens(session)
        assert all(token not in repr(item) for item in stored)
        listed = runner.invoke(cli, ["token", "list", "--json"])
        assert principal.token_id in listed.output
        revoked = runner.invoke(cli, ["token", "revoke", principal.token_id])
        assert revoked.exit_code == 0, revoked.output
        with db.reading() as session:
            assert tokens.authenticate(session, token) is None
        bad = runner.invoke(cli, ["token", "create", "--name", "x", "--scope", "Mail.Send"])
        assert bad.exit_code == 1
        assert "Unknown permission 'Mail.Send'" in bad.output
    finally:
        get_settings.cache_clear()


def test_revoked_token_is_refused_at_once_through_the_admin_api(db, client, admin):
    """On every face that takes tokens: the Graph API and SCIM share one cache."""
    scopes = ["User.Read.All", "Seatplan.Provisioning"]
    made = client.post("/admin/tokens", headers=admin, json={"name": "temp", "scopes": scopes})
    assert made.status_code == 201, made.text
    headers = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/v1.0/users", headers=headers).status_code == 200
    assert client.get("/scim/v2/Users", headers=headers).status_code == 200
    assert client.delete(f"/admin/tokens/{made.json()['id']}", headers=admin).status_code == 204
    assert error_of(client.get("/v1.0/users", headers=headers))[:2] == (
        401,
        "InvalidAuthenticationToken",
    )
    assert client.get("/scim/v2/Users", headers=headers).status_code == 401
    listed = client.get("/admin/tokens", headers=admin).json()
    assert [t["revokedDateTime"] is not None for t in listed if t["id"] == made.json()["id"]] == [
        True
    ]
    assert "token" not in listed[0]


def test_the_signing_key_is_made_once_by_set_up_and_shared_through_the_database(db):
    with db.reading() as session:
        first = signing.stored_key(session)
    setup.initialize(db)
    with db.reading() as session:
        assert signing.stored_key(session) == first
    assert len(first) == 64


def test_no_request_makes_a_missing_key_it_says_how_to_make_one(db):
    with db.writing() as session:
        session.execute(delete(AppSecret))
    with pytest.raises(signing.MissingKey, match="seatplan db upgrade"):
        signing.SigningKey(db, None)()
    assert signing.SigningKey(db, "configured")() == b"configured"
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(AppSecret)) == 0


def test_paging_works_without_a_configured_secret_key(db, admin):
    from fastapi.testclient import TestClient

    from seatplan.settings import Settings

    apps = [create_app(db, Settings(database_url=db.url, secret_key=None)) for _ in range(2)]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        for name in ("a", "b", "c"):
            one.post(
                "/v1.0/users",
                headers=admin,
                json={"userPrincipalName": f"{name}@contoso.com", "displayName": name},
            )
        page = one.get("/v1.0/users?$top=2", headers=admin).json()
        # Another process of the same deployment follows the link.
        rest = two.get(page["@odata.nextLink"], headers=admin)
        assert rest.status_code == 200, rest.text
        assert [u["displayName"] for u in rest.json()["value"]] == ["c"]
