"""The portal's Tokens page (issue 12's portal face): a Global Administrator creates a
token, shown once, with `Seatplan.Provisioning` among its permissions, and revokes it;
everyone else is refused and nothing is written."""

from __future__ import annotations

import re

from tests.integration.api_support import row_counts
from tests.integration.portal_support import PortalApp, portal

from seatplan.services import tokens

__all__ = ["portal"]


def _tokens(app: PortalApp) -> list[tokens.TokenInfo]:
    with app.db.reading() as session:
        return tokens.list_tokens(session)


def test_a_global_administrator_creates_a_provisioning_token_then_revokes_it(
    portal: PortalApp,
) -> None:
    portal.sign_in("admin")
    page = portal.client.get("/tokens")
    assert "Create a token" in page.text
    assert tokens.PROVISIONING in page.text

    made = portal.post("/tokens", name="Entra provisioning", scope=[tokens.PROVISIONING])
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(spt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"', made.text)
    assert secret, "the new token is shown"
    (info,) = _tokens(portal)
    assert (info.name, info.scopes, info.revoked) == (
        "Entra provisioning",
        (tokens.PROVISIONING,),
        None,
    )
    # Shown once: the list never shows it again.
    assert secret.group(1) not in portal.client.get("/tokens").text

    scim = {"Authorization": f"Bearer {secret.group(1)}"}
    assert portal.client.get("/scim/v2/Users", headers=scim).status_code == 200

    revoked = portal.post("/tokens/revoke", token=info.id)
    assert "Token revoked" in revoked.text
    assert _tokens(portal)[0].revoked is not None
    assert portal.client.get("/scim/v2/Users", headers=scim).status_code == 401


def test_bad_input_writes_nothing(portal: PortalApp) -> None:
    portal.sign_in("admin")
    before = row_counts(portal.db)
    for fields, message in (
        ({"name": "", "scope": [tokens.ADMIN]}, "A token needs a name."),
        ({"name": "job"}, "at least one permission"),
        ({"name": "job", "scope": ["Everything.All"]}, "Unknown permission"),
    ):
        answer = portal.post("/tokens", **fields)
        assert answer.status_code == 400, fields
        assert message in answer.text
    unknown = portal.post("/tokens/revoke", token="000000000000")
    assert unknown.status_code == 400
    assert row_counts(portal.db) == before


def test_only_a_global_administrator_manages_tokens(portal: PortalApp) -> None:
    with portal.db.writing() as session:
        info, _ = tokens.create(session, name="job", scopes=[tokens.ADMIN])
    for username in ("licenses", "reader"):
        portal.client.cookies.clear()
        portal.sign_in(username)
        page = portal.client.get("/tokens")
        assert page.status_code == 200
        assert "job" in page.text
        assert "Create a token" not in page.text
        assert "Revoke" not in page.text
        before = row_counts(portal.db)
        assert portal.post("/tokens", name="mine", scope=[tokens.ADMIN]).status_code == 403
        assert portal.post("/tokens/revoke", token=info.id).status_code == 403
        assert row_counts(portal.db) == before
        assert _tokens(portal)[0].revoked is None
