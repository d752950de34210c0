"""The portal's actions beyond single changes: the people picker, and what other roles and
bad input get from them (refused, nothing written)."""

from __future__ import annotations

from uuid import UUID

from tests.integration.api_support import row_counts
from tests.integration.portal_support import PortalApp, portal

from seatplan.processing import worker
from seatplan.services import catalog, lookup, reports
from seatplan.store.tables import User

__all__ = ["portal"]


def test_the_people_picker_finds_by_name_mail_and_principal_name(portal: PortalApp) -> None:
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    htmx = {"HX-Request": "true"}
    for typed in ("gu", "LEE@CONTOSO", "Gu"):
        found = portal.client.get(f"/groups/{group}/people", params={"q": typed}, headers=htmx)
        assert found.status_code == 200
        assert "Lee Gu" in found.text, typed
        assert "<html" not in found.text  # a fragment
        assert 'name="member" value="lee@contoso.com"' in found.text
    # Members are marked, not offered again; groups are offered by id.
    joni = portal.client.get(f"/groups/{group}/people", params={"q": "joni"}, headers=htmx).text
    assert "Member" in joni
    assert 'value="joni@contoso.com"' not in joni
    staff = portal.client.get(f"/groups/{group}/people", params={"q": "staff"}, headers=htmx).text
    assert f'value="{portal.group_id("All Staff")}"' in staff
    # LIKE's wildcards are searched as text.
    assert (
        "0 found"
        in portal.client.get(f"/groups/{group}/people", params={"q": "%"}, headers=htmx).text
    )

    # Without script: the group's page, with the results and the search kept.
    page = portal.client.get(f"/groups/{group}/people", params={"q": "lee"})
    assert "<html" in page.text
    assert "Lee Gu" in page.text
    assert 'value="lee"' in page.text
    added = portal.post(f"/groups/{group}/members", member="lee@contoso.com")
    assert "Member added" in added.text


def test_a_reader_gets_no_picker_and_cannot_add(portal: PortalApp) -> None:
    portal.sign_in("reader")
    group = portal.group_id("Phone users")
    assert 'id="member-search"' not in portal.client.get(f"/groups/{group}").text
    found = portal.client.get(
        f"/groups/{group}/people", params={"q": "lee"}, headers={"HX-Request": "true"}
    )
    assert "Lee Gu" in found.text
    assert "<form" not in found.text
    before = row_counts(portal.db)
    assert portal.post(f"/groups/{group}/members", member="lee@contoso.com").status_code == 403
    assert row_counts(portal.db) == before


def test_a_global_administrator_creates_a_user_and_a_group_and_buys_a_product(
    portal: PortalApp,
) -> None:
    portal.sign_in("admin")
    assert "New user" in portal.client.get("/users").text
    made = portal.post(
        "/users/new",
        user_principal_name="ines@contoso.com",
        display_name="Ines Duarte",
        usage_location="PT",
    )
    assert "User created" in made.text
    assert "Ines Duarte" in made.text
    with portal.db.reading() as session:
        ines = lookup.user(session, "ines@contoso.com")
        assert ines.usage_location == "PT"

    group = portal.post("/groups/new", display_name="Lisbon office", description="Everyone there")
    assert "Group created" in group.text
    assert portal.group_id("Lisbon office")

    products = portal.client.get("/licenses").text
    assert "Buy a product" in products
    with portal.db.reading() as session:
        visio = catalog.find_product(session, "VISIOCLIENT").sku_id
        assert visio not in {s.sku_id for s in reports.sku_summaries(session)}
    assert f'value="{visio}"' in products
    bought = portal.post("/licenses/buy", sku=str(visio), units="5")
    assert "Subscription added" in bought.text
    with portal.db.reading() as session:
        summary = next(s for s in reports.sku_summaries(session) if s.sku_id == visio)
    assert summary.enabled_units == 5


def test_bad_directory_input_writes_nothing(portal: PortalApp) -> None:
    portal.sign_in("admin")
    before = row_counts(portal.db)
    for path, fields, message in (
        ("/users/new", {"user_principal_name": ""}, "principal name"),
        ("/users/new", {"user_principal_name": "adele@contoso.com"}, "already exists"),
        ("/users/new", {"user_principal_name": "x@contoso.com", "usage_location": "ZZ"}, "ZZ"),
        ("/groups/new", {"display_name": "  "}, "displayName cannot be empty"),
        ("/licenses/buy", {"sku": "", "units": "5"}, "Choose a product"),
        ("/licenses/buy", {"sku": "VISIOCLIENT", "units": "-1"}, "whole number"),
        ("/licenses/buy", {"sku": "VISIOCLIENT", "units": "99999999"}, "whole number"),
        ("/licenses/buy", {"sku": "NOPE", "units": "1"}, "NOPE"),
    ):
        answer = portal.post(path, **fields)
        assert answer.status_code == 400, (path, fields)
        assert message in answer.text, (path, fields, answer.text[-2000:])
    assert row_counts(portal.db) == before


def test_other_roles_cannot_create_or_buy(portal: PortalApp) -> None:
    for username in ("licenses", "reader"):
        portal.client.cookies.clear()
        portal.sign_in(username)
        assert "New user" not in portal.client.get("/users").text
        assert "New group" not in portal.client.get("/groups").text
        assert "Buy a product" not in portal.client.get("/licenses").text
        before = row_counts(portal.db)
        for path, fields in (
            ("/users/new", {"user_principal_name": "mine@contoso.com"}),
            ("/groups/new", {"display_name": "Mine"}),
            ("/licenses/buy", {"sku": "VISIOCLIENT", "units": "5"}),
        ):
            assert portal.post(path, **fields).status_code == 403, (username, path)
        assert row_counts(portal.db) == before


def test_deleting_a_user_or_a_group_is_confirmed_naming_what_they_hold(
    portal: PortalApp,
) -> None:
    portal.sign_in("admin")
    adele = portal.user_id("adele")
    before = row_counts(portal.db)
    confirm = portal.client.get(f"/users/{adele}/delete")
    assert confirm.status_code == 200
    assert "Delete user adele@contoso.com?" in confirm.text
    assert "holds 2 licenses" in confirm.text
    assert "ENTERPRISEPACK (All Staff)" in confirm.text
    assert "member of 1 group: All Staff" in confirm.text
    assert row_counts(portal.db) == before  # asking changes nothing
    done = portal.post(f"/users/{adele}/delete")
    assert "User deleted" in done.text
    with portal.db.reading() as session:
        assert session.get(User, UUID(adele)) is None

    # A group that assigns products: its confirmation says why it cannot go, with no button.
    staff = portal.group_id("All Staff")
    refused = portal.client.get(f"/groups/{staff}/delete")
    assert refused.status_code == 400
    assert "remove its licenses first" in refused.text
    assert 'id="confirm-button"' not in refused.text
    before = row_counts(portal.db)
    assert portal.post(f"/groups/{staff}/delete").status_code == 400
    assert row_counts(portal.db) == before

    empty = portal.post("/groups/new", display_name="Short lived")
    assert "Group created" in empty.text
    short = portal.group_id("Short lived")
    confirm = portal.client.get(f"/groups/{short}/delete")
    assert "has 0 members and 0 member groups" in confirm.text
    assert "Group deleted" in portal.post(f"/groups/{short}/delete").text


def test_other_roles_cannot_delete(portal: PortalApp) -> None:
    adele, staff = portal.user_id("adele"), portal.group_id("Security team")
    for username in ("licenses", "reader"):
        portal.client.cookies.clear()
        portal.sign_in(username)
        assert "Delete user" not in portal.client.get(f"/users/{adele}").text
        assert "Delete group" not in portal.client.get(f"/groups/{staff}").text
        assert portal.client.get(f"/users/{adele}/delete").status_code == 403
        before = row_counts(portal.db)
        assert portal.post(f"/users/{adele}/delete").status_code == 403
        assert portal.post(f"/groups/{staff}/delete").status_code == 403
        assert row_counts(portal.db) == before


def test_bulk_remove_members_is_confirmed_with_the_users_it_touches(portal: PortalApp) -> None:
    portal.sign_in("admin")
    staff = portal.group_id("All Staff")
    picked = [portal.user_id("alex"), portal.user_id("diego")]
    page = portal.client.get(f"/groups/{staff}")
    assert 'form="bulk-members"' in page.text
    before = row_counts(portal.db)
    confirm = portal.client.get(f"/groups/{staff}/members/remove-selected", params={"user": picked})
    assert confirm.status_code == 200
    assert "Remove 2 members from All Staff?" in confirm.text
    assert "alex@contoso.com, diego@contoso.com" in confirm.text
    assert "This touches 2 users" in confirm.text
    assert "ENTERPRISEPACK would be taken from 2 user(s)" in confirm.text
    assert row_counts(portal.db) == before
    done = portal.post(f"/groups/{staff}/members/remove-selected", user=picked)
    assert "Members removed" in done.text
    with portal.db.reading() as session:
        left = {m.user_principal_name for m in reports.group_members(session, group_id=UUID(staff))}
    assert "alex@contoso.com" not in left
    assert "diego@contoso.com" not in left
    assert "adele@contoso.com" in left


def test_bulk_usage_location_and_reprocess(portal: PortalApp) -> None:
    portal.sign_in("admin")
    picked = [portal.user_id("bruno"), portal.user_id("joni")]
    confirm = portal.client.get(
        "/users/usage-location", params={"user": picked, "usage_location": "us"}
    )
    assert "Set the usage location of 2 users to US?" in confirm.text
    assert "This touches" in confirm.text
    assert (
        "Usage locations saved"
        in portal.post("/users/usage-location", user=picked, usage_location="US").text
    )
    with portal.db.reading() as session:
        assert lookup.user(session, "bruno@contoso.com").usage_location == "US"
    worker.drain(portal.db, batch_size=1000)  # so that only the reprocess is evaluated

    groups = [portal.group_id("All Staff"), portal.group_id("Analysts")]
    confirm = portal.client.get("/groups/reprocess", params={"group": groups})
    assert "Reprocess 2 groups?" in confirm.text
    assert "This touches 13 users" in confirm.text  # 7 + 6 members, each evaluated again
    assert "queued for processing" in portal.post("/groups/reprocess", group=groups).text


def test_bulk_bad_input_and_other_roles_change_nothing(portal: PortalApp) -> None:
    portal.sign_in("admin")
    staff, bruno = portal.group_id("All Staff"), portal.user_id("bruno")
    before = row_counts(portal.db)
    refused = portal.client.get(
        "/users/usage-location", params={"user": [bruno], "usage_location": "ZZ"}
    )
    assert refused.status_code == 400
    assert "ZZ" in refused.text
    assert 'id="confirm-button"' not in refused.text
    for path, fields in (
        ("/users/usage-location", {"user": [bruno], "usage_location": "ZZ"}),
        ("/users/usage-location", {"usage_location": "US"}),  # nothing selected
        ("/users/usage-location", {"user": ["not-an-id"], "usage_location": "US"}),
        ("/groups/reprocess", {"group": []}),
        (f"/groups/{staff}/members/remove-selected", {"user": [bruno, portal.user_id("adele")]}),
    ):
        answer = portal.post(path, **fields)
        assert answer.status_code in (400, 404), (path, fields)
    assert row_counts(portal.db) == before

    portal.client.cookies.clear()
    portal.sign_in("reader")
    assert 'form="bulk-members"' not in portal.client.get(f"/groups/{staff}").text
    assert "Set usage location" not in portal.client.get("/users").text
    assert "Reprocess selected" not in portal.client.get("/groups").text
    assert portal.client.get("/groups/reprocess", params={"group": [staff]}).status_code == 403
    for path, fields in (
        ("/users/usage-location", {"user": [bruno], "usage_location": "US"}),
        ("/groups/reprocess", {"group": [staff]}),
        (f"/groups/{staff}/members/remove-selected", {"user": [portal.user_id("adele")]}),
    ):
        assert portal.post(path, **fields).status_code == 403, path
    assert row_counts(portal.db) == before
