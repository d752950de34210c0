"""The portal's membership rule editor: Preview shows joiners, leavers and the licensing
outcome with the portal's explanations, and changes nothing."""

from __future__ import annotations

import html
from uuid import UUID

from tests.integration.api_support import row_counts

from seatplan.processing import worker
from seatplan.services import dynamic_groups, lookup

ANALYTICS = 'user.department -eq "Analytics"'
ANALYSTS = ("lee", "lidia", "lynne", "miriam", "pradeep", "patti")


def test_the_group_page_leads_to_the_rule_editor(portal):
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    page = portal.client.get(f"/groups/{group}").text
    assert f'href="/groups/{group}/rule"' in page
    editor = portal.client.get(f"/groups/{group}/rule")
    assert editor.status_code == 200
    assert 'name="rule"' in editor.text


def test_preview_a_rule_shows_who_joins_leaves_and_who_would_wait_for_a_seat(portal):
    """Phone users (MCOPSTN1, 5 seats; Joni holds one, Bruno is in error in Brazil) would
    lose both and gain the six analysts: Joni's seat is freed, five analysts get one."""
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    before = row_counts(portal.db)

    answer = portal.post(f"/groups/{group}/rule/preview", rule=ANALYTICS)

    assert answer.status_code == 200, answer.text
    page = html.unescape(answer.text)
    assert "Preview: nothing was changed" in page
    assert "6 user(s) match the rule: <b>6</b> would join and <b>2</b> would leave" in page
    for name in ("Lee Gu", "Lidia Holloway", "Patti Fernandez", "Bruno Costa", "Joni Sherman"):
        assert name in page
    assert "8 user(s) would be evaluated" in page
    assert "CountViolation" in page
    # The portal's own explanation of the error, and what to do.
    assert "Not enough licenses: every seat of the product is in use." in page
    assert "Buy more: raise the units of a subscription of the product." in page
    assert f">{ANALYTICS}</textarea>" in page  # ready to edit again
    assert row_counts(portal.db) == before


def test_a_group_without_products_shows_only_its_members_change(portal):
    portal.sign_in("licenses")
    with portal.db.writing() as session:
        from seatplan.services import groups

        group = str(groups.create(session, display_name="Analytics people").id)
    page = html.unescape(portal.post(f"/groups/{group}/rule/preview", rule=ANALYTICS).text)
    assert "<b>6</b> would join and <b>0</b> would leave" in page
    assert "This group assigns no product" in page


def test_an_invalid_rule_is_shown_next_to_the_field_and_changes_nothing(portal):
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    before = row_counts(portal.db)

    answer = portal.post(f"/groups/{group}/rule/preview", rule="user.department -eq")

    assert answer.status_code == 400
    assert 'aria-invalid="true" aria-describedby="rule-error"' in answer.text
    assert "Invalid membership rule at position " in answer.text
    assert "Preview: nothing was changed" not in answer.text
    empty = portal.post(f"/groups/{group}/rule/preview", rule=" ")
    assert empty.status_code == 400
    assert "Enter a membership rule." in empty.text
    assert row_counts(portal.db) == before


def test_a_reader_sees_the_editor_but_cannot_preview(portal):
    portal.sign_in("reader")
    group = portal.group_id("Phone users")
    editor = portal.client.get(f"/groups/{group}/rule")
    assert editor.status_code == 200
    assert 'name="rule"' not in editor.text
    assert portal.post(f"/groups/{group}/rule/preview", rule=ANALYTICS).status_code == 403


def test_an_unknown_group_is_a_404(portal):
    portal.sign_in("admin")
    missing = "00000000-0000-0000-0000-00000000abcd"
    assert portal.client.get(f"/groups/{missing}/rule").status_code == 404
    assert portal.post(f"/groups/{missing}/rule/preview", rule=ANALYTICS).status_code == 404


def test_save_makes_the_group_dynamic_and_the_editor_shows_its_rule(portal):
    portal.sign_in("licenses")
    group = portal.group_id("Phone users")

    saved = portal.post(f"/groups/{group}/rule", rule=ANALYTICS)

    assert saved.status_code == 200  # after the redirect to the group's page
    assert "Membership rule saved" in saved.text
    with portal.db.reading() as session:
        found = lookup.group(session, group)
        assert (found.group_types, found.membership_rule) == (["DynamicMembership"], ANALYTICS)
    editor = html.unescape(portal.client.get(f"/groups/{group}/rule").text)
    assert f">{ANALYTICS}</textarea>" in editor
    worker.drain(portal.db, batch_size=1000)
    with portal.db.reading() as session:
        members = dynamic_groups.members(session, lookup.group(session, group).id)
    assert members == {UUID(portal.user_id(alias)) for alias in ANALYSTS}


def test_an_invalid_rule_is_not_saved(portal):
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    before = row_counts(portal.db)
    refused = portal.post(f"/groups/{group}/rule", rule="user.department -eq")
    assert refused.status_code == 400
    assert "Invalid membership rule at position " in refused.text
    assert ">user.department -eq</textarea>" in refused.text
    assert row_counts(portal.db) == before


def test_a_reader_cannot_save_a_rule(portal):
    portal.sign_in("reader")
    group = portal.group_id("Phone users")
    before = row_counts(portal.db)
    assert portal.post(f"/groups/{group}/rule", rule=ANALYTICS).status_code == 403
    assert row_counts(portal.db) == before
