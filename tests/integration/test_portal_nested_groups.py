"""The portal: a group's member groups (added by name, linked, removed), the
organization page's licenseNestedGroups with its confirmation, and "via" on a user."""

from __future__ import annotations

from sqlalchemy import select

from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, subscriptions, users
from seatplan.store.tables import Organization


def test_member_groups_and_the_nested_setting(portal):
    with portal.db.writing() as session:
        subscriptions.set_units(session, sku="ENTERPRISEPACK", units=500)
        parent = groups.create(session, display_name="Nest parent")
        child = groups.create(session, display_name="Nest child")
        user = users.create(session, user_principal_name="nested@contoso.com", usage_location="US")
        groups.add_member(session, group=child, user=user)
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
        licenses.assign_to_group(session, group=parent, add={e3: frozenset()}, remove=[])
        parent_id, child_id, user_id = str(parent.id), str(child.id), str(user.id)
    worker.drain(portal.db, batch_size=1000)
    portal.sign_in("admin")

    added = portal.post(f"/groups/{parent_id}/members", member="Nest child")
    assert "Member added" in added.text
    assert f'<a href="/groups/{child_id}">Nest child</a>' in added.text
    page = portal.client.get(f"/groups/{child_id}").text
    assert f'Member of: <a href="/groups/{parent_id}">Nest parent</a>' in page

    organization = portal.client.get("/organization").text
    assert '<dd id="license-nested-groups">Off</dd>' in organization
    question = portal.post("/organization/license-nested-groups", value="on")
    assert "will queue 1 user for licensing" in question.text
    with portal.db.reading() as session:  # nothing changed before the confirmation
        assert session.scalar(select(Organization.license_nested_groups)) is False
    saved = portal.post("/organization/license-nested-groups", value="on", confirmed="yes")
    assert '<dd id="license-nested-groups">On</dd>' in saved.text
    worker.drain(portal.db, batch_size=1000)
    user_page = portal.client.get(f"/users/{user_id}").text
    assert f'via <a href="/groups/{child_id}">Nest child</a>' in user_page

    removed = portal.post(f"/groups/{parent_id}/member-groups/{child_id}/remove")
    assert "Member removed" in removed.text
    assert "No group in this group." in removed.text


def test_only_a_global_administrator_changes_the_setting(portal):
    portal.sign_in("licenses")
    refused = portal.post("/organization/license-nested-groups", value="on", confirmed="yes")
    assert refused.status_code == 403
    with portal.db.reading() as session:
        assert session.scalar(select(Organization.license_nested_groups)) is False
