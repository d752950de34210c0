"""A group's Import members page: bad rows by line with nothing written, then the import."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from tests.integration.api_support import row_counts

from seatplan.services import bulk_csv, groups, transaction
from seatplan.services import users as user_service
from seatplan.store.tables import AuditEvent, Membership


def members_file(*refs: str) -> str:
    return "\n".join([bulk_csv.VERSION, bulk_csv.MEMBER_HEADER, *refs]) + "\n"


def staff(portal, *, rule: str | None = None) -> str:
    with transaction.writing(portal.db) as session:
        for n in (1, 2):
            user_service.create(session, user_principal_name=f"member{n}@contoso.com")
        group = groups.create(
            session,
            display_name="Import staff",
            group_types=["DynamicMembership"] if rule else [],
            membership_rule=rule,
            membership_rule_processing_state="On" if rule else None,
        )
        return str(group.id)


def upload(portal, group_id: str, text: str, action: str):
    address = f"/groups/{group_id}/import-members"
    return portal.client.post(
        address,
        data={"csrf_token": portal.csrf(address), "action": action},
        files={"file": ("members.csv", text.encode(), "text/csv")},
    )


def members(portal, group_id: str) -> int:
    group = UUID(group_id)
    with portal.db.reading() as session:
        count = select(func.count()).select_from(Membership)
        return session.scalar(count.where(Membership.group_id == group)) or 0


def test_check_reports_bad_rows_then_import_adds_and_resumes(portal):
    group_id = staff(portal)
    portal.sign_in("admin")
    page = portal.client.get(f"/groups/{group_id}")
    assert f'href="/groups/{group_id}/import-members"' in page.text
    before = row_counts(portal.db)
    bad = members_file("member1@contoso.com", "nobody@contoso.com", "")
    for action in ("check", "import"):
        answer = upload(portal, group_id, bad, action)
        assert answer.status_code == 400
        assert "nothing was written" in answer.text
        assert f'<td class="num">4</td><td>{bulk_csv.MEMBER}</td>' in answer.text
        assert row_counts(portal.db) == before
    good = members_file("member1@contoso.com", "MEMBER2@contoso.com")
    checked = upload(portal, group_id, good, "check")
    assert checked.status_code == 200, checked.text
    assert "<b>2</b> would be added" in checked.text
    assert row_counts(portal.db) == before
    imported = upload(portal, group_id, good, "import")
    assert imported.status_code == 200, imported.text
    assert "<b>2</b> added" in imported.text
    assert members(portal, group_id) == 2
    with portal.db.reading() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.activity_display_name == "Add member to group")
        ).first()
    assert event is not None
    assert "admin" in str(event.initiated_by)
    again = upload(portal, group_id, good, "import")
    assert "<b>2</b> already member(s)" in again.text
    assert members(portal, group_id) == 2


def test_a_dynamic_group_and_a_reader_import_nothing(portal):
    group_id = staff(portal, rule='user.department -eq "Sales"')
    portal.sign_in("admin")
    page = portal.client.get(f"/groups/{group_id}/import-members")
    assert "cannot be imported" in page.text
    before = row_counts(portal.db)
    refused = upload(portal, group_id, members_file("member1@contoso.com"), "import")
    assert refused.status_code == 400
    assert "dynamic membership" in refused.text
    portal.sign_in("reader")
    page = portal.client.get(f"/groups/{group_id}/import-members")
    assert page.status_code == 200
    forbidden = portal.client.post(
        f"/groups/{group_id}/import-members",
        data={"csrf_token": portal.csrf(f"/groups/{group_id}/import-members"), "action": "import"},
        files={"file": ("members.csv", members_file("member1@contoso.com").encode(), "text/csv")},
    )
    assert forbidden.status_code == 403
    assert row_counts(portal.db) == before
