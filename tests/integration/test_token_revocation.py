"""Revoking a token empties the token cache only once the revocation is committed: a
request in between would otherwise read the token as valid and cache it for 5 s more."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import admin, client

from seatplan.services import token_cache, tokens
from seatplan.store.db import Database

__all__ = ["admin", "client"]


def _revoked_in_database(db: Database, token_id: str) -> bool:
    with db.reading() as session:
        return next(t for t in tokens.list_tokens(session) if t.id == token_id).revoked is not None


def test_the_cache_is_emptied_after_the_revocation_commits(
    client: TestClient, admin: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = client.post(
        "/admin/tokens", headers=admin, json={"name": "job", "scopes": ["User.Read.All"]}
    )
    assert made.status_code == 201, made.text
    token_id, secret = made.json()["id"], made.json()["token"]
    reader = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1.0/users", headers=reader).status_code == 200  # now cached

    seen: list[bool] = []
    forget = token_cache.forget_all

    def watching() -> None:
        seen.append(_revoked_in_database(db, token_id))
        forget()

    monkeypatch.setattr(token_cache, "forget_all", watching)
    assert client.delete(f"/admin/tokens/{token_id}", headers=admin).status_code == 204
    assert seen == [True]  # emptied once, with the revocation visible to every reader
    assert client.get("/v1.0/users", headers=reader).status_code == 401


def test_a_look_up_begun_before_a_revocation_caches_nothing(
    db: Database, admin: dict[str, str]
) -> None:
    with db.writing() as session:
        _, secret = tokens.create(session, name="job", scopes=["User.Read.All"])
    original = tokens.authenticate

    def slow_read(session: object, token: str) -> tokens.Principal | None:
        found = original(session, token)
        token_cache.forget_all()  # a revocation commits while this request reads
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "authenticate", slow_read)
        assert token_cache.look_up(db, secret) is not None
    assert token_cache.cached(secret) == (False, None)
