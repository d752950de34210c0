"""The portal's group page for a dynamic group: its rule and status, no manual members."""

from __future__ import annotations

from seatplan.services import dynamic_groups, groups, lookup, transaction


def test_a_dynamic_groups_page_shows_its_rule_and_offers_no_member_change(portal):
    portal.sign_in("admin")
    static = portal.client.get(f"/groups/{portal.group_id('All Staff')}").text
    assert "Add member" in static
    with transaction.writing(portal.db) as session:
        group = lookup.group(session, "All Staff")
        groups.update(
            session, group=group, dynamic=True, membership_rule='user.department -eq "Sales"'
        )
    page = portal.client.get(f"/groups/{portal.group_id('All Staff')}").text
    assert "Dynamic membership" in page
    assert "user.department -eq &#34;Sales&#34;" in page
    assert "NotStarted" in page
    assert "Add member" not in page
    assert "/remove" not in page


def test_a_location_changed_in_the_portal_moves_the_user_at_once(portal):
    portal.sign_in("admin")
    with transaction.writing(portal.db) as session:
        group = groups.create(
            session,
            display_name="In France",
            group_types=["DynamicMembership"],
            membership_rule='user.usageLocation -eq "FR"',
        )
        group_id = group.id
    bruno = portal.user_id("bruno")
    assert portal.post(f"/users/{bruno}/location", usage_location="FR").status_code == 200
    with portal.db.reading() as session:
        assert str(bruno) in {str(u) for u in dynamic_groups.members(session, group_id)}
    assert portal.post(f"/users/{bruno}/location", usage_location="GB").status_code == 200
    with portal.db.reading() as session:
        assert str(bruno) not in {str(u) for u in dynamic_groups.members(session, group_id)}
