"""The portal's Administrators page: a Global Administrator manages the accounts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.integration.api_support import row_counts
from tests.integration.portal_support import PortalApp, csrf_of

from seatplan.services import admins


def accounts(app: PortalApp) -> dict[str, str]:
    with app.db.reading() as session:
        return {a.username: a.role for a in admins.list_admins(session)}


def test_a_global_administrator_adds_changes_and_deletes_an_administrator(portal):
    portal.sign_in("admin")
    assert "Add an administrator" in portal.client.get("/administrators").text

    before = row_counts(portal.db)
    short = portal.post(
        "/administrators", username="auditor", role="Global Reader", password="short"
    )
    assert short.status_code == 400
    assert "A password needs at least 10 characters." in short.text
    assert 'value="auditor"' in short.text
    assert row_counts(portal.db) == before

    added = portal.post(
        "/administrators", username="auditor", role="Global Reader", password="auditor-password-1"
    )
    assert "Administrator added." in added.text
    assert accounts(portal)["auditor"] == admins.GLOBAL_READER

    promoted = portal.post("/administrators/role", username="auditor", role="License Administrator")
    assert "Administrator saved." in promoted.text
    assert accounts(portal)["auditor"] == admins.LICENSE_ADMINISTRATOR

    reset = portal.post(
        "/administrators/password", username="auditor", password="auditor-password-2"
    )
    assert "Password changed" in reset.text
    with portal.db.writing() as session:
        assert admins.authenticate(session, username="auditor", password="auditor-password-2")
        assert not admins.authenticate(session, username="auditor", password="auditor-password-1")

    assert (
        "Administrator deleted." in portal.post("/administrators/delete", username="auditor").text
    )
    assert "auditor" not in accounts(portal)


def test_the_last_global_administrator_stays(portal):
    portal.sign_in("admin")
    before = row_counts(portal.db)
    for path, fields in (
        ("/administrators/delete", {"username": "admin"}),
        ("/administrators/role", {"username": "admin", "role": "Global Reader"}),
    ):
        refused = portal.post(path, **fields)
        assert refused.status_code == 400
        assert "&#39;admin&#39; is the last Global Administrator" in refused.text
    assert row_counts(portal.db) == before


def test_other_roles_see_the_administrators_and_change_nothing(portal):
    portal.sign_in("licenses")
    page = portal.client.get("/administrators").text
    assert "reader" in page
    assert "Add an administrator" not in page
    before = row_counts(portal.db)
    refused = portal.post("/administrators/delete", username="reader")
    assert refused.status_code == 403
    assert "Only a Global Administrator manages administrators." in refused.text
    assert row_counts(portal.db) == before


def test_a_new_password_ends_the_sessions_of_the_account(portal):
    other = TestClient(portal.client.app)
    page = other.get("/signin")
    other.post(
        "/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "reader",
            "password": "reader-password-1",
        },
    )
    assert other.get("/administrators").status_code == 200

    portal.sign_in("admin")
    portal.post("/administrators/password", username="reader", password="reader-password-2")

    assert other.get("/administrators", follow_redirects=False).status_code == 303
