"""The portal's Bulk import page and Export download."""

from __future__ import annotations

from sqlalchemy import select
from tests.integration.api_support import row_counts
from tests.integration.test_bulk_import import CREATE_HEADER, person

from seatplan.store.tables import AuditEvent, User

GOOD = "\n".join(["version:v1.0", CREATE_HEADER, person(1), person(2)]) + "\n"
BAD = "\n".join(["version:v1.0", CREATE_HEADER, person(1), "Bad,bad,x,Maybe,,,,,,"]) + "\n"


def upload(portal, text: str, action: str, **fields: str):
    return portal.client.post(
        "/users/import",
        data={"csrf_token": portal.csrf("/users/import"), "action": action, **fields},
        files={"file": ("users.csv", text.encode(), "text/csv")},
    )


def upns(portal) -> set[str]:
    with portal.db.reading() as session:
        return set(session.scalars(select(User.user_principal_name)))


def test_bad_rows_are_shown_by_line_and_nothing_is_written(portal):
    portal.sign_in("licenses")
    before = row_counts(portal.db)
    for action in ("check", "import"):
        answer = upload(portal, BAD, action)
        assert answer.status_code == 400
        assert "nothing was written" in answer.text
        assert '<td class="num">4</td><td>userPrincipalName</td>' in answer.text
        assert '<td class="num">4</td><td>accountEnabled</td>' in answer.text
        assert row_counts(portal.db) == before


def test_check_then_import_then_export(portal):
    portal.sign_in("admin")
    before = row_counts(portal.db)
    checked = upload(portal, GOOD, "check")
    assert checked.status_code == 200, checked.text
    assert "Checked: no bad row, nothing was written" in checked.text
    assert row_counts(portal.db) == before
    imported = upload(portal, GOOD, "import")
    assert imported.status_code == 200, imported.text
    assert "<b>2</b> created" in imported.text
    assert {"user1@contoso.com", "user2@contoso.com"} <= upns(portal)
    with portal.db.reading() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.activity_display_name == "Add user")
            .order_by(AuditEvent.activity_date_time.desc())
        ).first()
    assert event is not None
    assert "admin" in str(event.initiated_by)
    again = upload(portal, GOOD, "import")
    assert "<b>2</b> unchanged" in again.text
    export = portal.client.get("/users/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0] == "version:v1.0"
    assert any(line.startswith("User 1,user1@contoso.com,,No,") for line in lines)
    assert len(lines) == 2 + len(upns(portal))


def test_only_administrators_who_change_users_import(portal):
    portal.sign_in("reader")
    page = portal.client.get("/users/import")
    assert page.status_code == 200
    assert "Only administrators who can make changes import users." in page.text
    before = row_counts(portal.db)
    refused = portal.client.post(
        "/users/import",
        data={"csrf_token": portal.csrf("/users/import"), "action": "import"},
        files={"file": ("users.csv", GOOD.encode(), "text/csv")},
    )
    assert refused.status_code == 403
    no_token = portal.client.post(
        "/users/import", files={"file": ("users.csv", GOOD.encode(), "text/csv")}
    )
    assert no_token.status_code == 403
    assert row_counts(portal.db) == before
