"""Bulk import and export in Entra's CSV formats: the services and the commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.integration.api_support import row_counts
from tests.integration.test_cli_commands import invoke

from seatplan.services import (
    bulk_export,
    bulk_import,
    bulk_members,
    bulk_report,
    groups,
    transaction,
)
from seatplan.services import users as user_service
from seatplan.services.errors import BadRequest
from seatplan.store.db import Database
from seatplan.store.tables import AuditEvent, Membership, User

CREATE_HEADER = (
    "Name [displayName] Required,User name [userPrincipalName] Required,"
    "Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,"
    "First name [givenName],Last name [surname],Job title [jobTitle],Department [department],"
    "Usage location [usageLocation],Office phone [telephoneNumber]"
)


def create_file(tmp_path: Path, *rows: str, name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["version:v1.0", CREATE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def person(n: int, *, location: str = "US", department: str = "Sales") -> str:
    name = f"User {n},user{n}@contoso.com,Secret{n}!,No,First{n},Last{n}"
    return f"{name},Clerk,{department},{location},555-{n}"


def users_named(db: Database) -> dict[str, User]:
    with db.reading() as session:
        found = session.scalars(select(User)).all()
        session.expunge_all()
    return {user.user_principal_name: user for user in found}


def test_bad_rows_are_reported_by_line_and_column_with_nothing_written(db, tmp_path):
    with transaction.writing(db) as session:
        user_service.create(session, user_principal_name="taken@contoso.com", display_name="T")
    path = create_file(
        tmp_path,
        person(1),
        "No name,,x,No,,,,,,",  # line 4: no userPrincipalName
        "Bad,bad@contoso.com,x,Maybe,,,,,ZZ,",  # line 5: two bad cells
        person(1),  # line 6: the same user as line 3
        "Other,taken@contoso.com,x,No,,,,,,",  # line 7: exists with another name
        person(2),
    )
    before = row_counts(db)
    for dry_run in (True, False):
        report = bulk_import.import_users(db, path, dry_run=dry_run)
        assert not report.written
        assert [(p.line, p.column) for p in report.problems] == [
            (4, "userPrincipalName"),
            (5, "accountEnabled"),
            (5, "usageLocation"),
            (6, "userPrincipalName"),
            (7, "userPrincipalName"),
        ]
        assert "line 3" in report.problems[3].message
        assert "already exists" in report.problems[4].message
        assert row_counts(db) == before


def test_a_bad_header_is_refused_before_any_row(db, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("version:v1.0\nName [displayName] Required\nAnn\n", encoding="utf-8")
    with pytest.raises(BadRequest, match="Line 2: missing required column"):
        bulk_import.import_users(db, path, dry_run=True)


def test_import_creates_users_through_the_services_and_is_idempotent(db, tmp_path):
    path = create_file(tmp_path, person(1), person(2, location="FR"), person(3))
    dry = bulk_import.import_users(db, path, dry_run=True)
    assert (dry.created, dry.problems, dry.written) == (3, [], False)
    assert "app_user" not in {k for k, v in row_counts(db).items() if v}
    report = bulk_import.import_users(db, path, chunk_size=2)
    assert (report.created, report.unchanged, report.written) == (3, 0, True)
    users = users_named(db)
    ann = users["user2@contoso.com"]
    assert (ann.display_name, ann.given_name, ann.surname) == ("User 2", "First2", "Last2")
    assert (ann.usage_location, ann.department, ann.job_title) == ("FR", "Sales", "Clerk")
    assert ann.business_phones == ["555-2"]
    assert ann.account_enabled
    again = bulk_import.import_users(db, path)
    assert (again.created, again.unchanged) == (0, 3)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 3
        added = select(func.count()).where(AuditEvent.activity_display_name == "Add user")
        assert session.scalar(added) == 3  # the audit log names every created user


def test_an_interrupted_import_resumes_with_nothing_duplicated_or_lost(db, tmp_path):
    path = create_file(tmp_path, *(person(n) for n in range(1, 8)))

    def die_after_first_chunk(done: int, total: int) -> None:
        raise KeyboardInterrupt  # as when the command is stopped between two chunks

    with pytest.raises(KeyboardInterrupt):
        bulk_import.import_users(db, path, chunk_size=3, progress=die_after_first_chunk)
    assert len(users_named(db)) == 3
    dry = bulk_import.import_users(db, path, dry_run=True, chunk_size=3)
    assert (dry.created, dry.unchanged, dry.problems) == (4, 3, [])
    resumed = bulk_import.import_users(db, path, chunk_size=3)
    assert (resumed.created, resumed.unchanged) == (4, 3)
    assert sorted(users_named(db)) == sorted(f"user{n}@contoso.com" for n in range(1, 8))


def test_a_chunk_that_fails_while_writing_is_rolled_back_alone(db, tmp_path):
    path = create_file(tmp_path, *(person(n) for n in range(1, 7)))

    def someone_takes_user5(done: int, total: int) -> None:
        if done == 3:  # between the checks and chunk 2, another administrator adds user5
            with transaction.writing(db) as session:
                user_service.create(session, user_principal_name="user5@contoso.com")

    with pytest.raises(bulk_report.ImportStopped) as stopped:
        bulk_import.import_users(db, path, chunk_size=3, progress=someone_takes_user5)
    assert (stopped.value.problem.line, stopped.value.problem.column) == (7, "userPrincipalName")
    assert stopped.value.report.created == 3
    assert sorted(users_named(db)) == [f"user{n}@contoso.com" for n in (1, 2, 3, 5)]


def test_update_rows_change_only_the_given_values(db, tmp_path):
    bulk_import.import_users(db, create_file(tmp_path, person(1), person(2)))
    ids = {upn: user.id for upn, user in users_named(db).items()}
    path = tmp_path / "update.csv"
    path.write_text(
        "version:v1.0\n"
        "Object ID [id] Required,Job title [jobTitle],Block sign in (Yes/No) [accountEnabled],"
        "Usage location [usageLocation]\n"
        f"{ids['user1@contoso.com']},Manager,Yes,\n"
        f"{ids['user2@contoso.com']},Clerk,,\n"
        "00000000-0000-0000-0000-00000000abcd,Clerk,,\n",
        encoding="utf-8",
    )
    before = row_counts(db)
    report = bulk_import.import_users(db, path, update=True)
    assert [(p.line, p.column) for p in report.problems] == [(5, "id")]
    assert row_counts(db) == before
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
    report = bulk_import.import_users(db, path, update=True)
    assert (report.updated, report.unchanged) == (1, 1)
    first = users_named(db)["user1@contoso.com"]
    assert (first.job_title, first.account_enabled, first.usage_location) == (
        "Manager",
        False,
        "US",
    )


def test_export_then_import_gives_the_same_directory(db, tmp_path):
    bulk_import.import_users(db, create_file(tmp_path, person(1), person(2, location="DE")))
    exported = "".join(bulk_export.export_users(db, page=1))
    assert exported.splitlines()[0] == "version:v1.0"
    assert len(exported.splitlines()) == 4
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8", newline="")
    assert bulk_import.import_users(db, path).unchanged == 2  # nothing to do
    with transaction.writing(db) as session:
        for user in session.scalars(select(User)):
            user_service.delete_user(session, user=user)
    report = bulk_import.import_users(db, path)
    assert report.created == 2
    assert "".join(bulk_export.export_users(db)) == exported  # ids kept too


def test_commands_import_members_and_licensing_follows(database_url, tmp_path):
    def cli(*args: str, code: int = 0):
        return invoke(database_url, *args, code=code)

    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "5")
    cli("groups", "add", "Staff")
    cli("groups", "assign-license", "Staff", "ENTERPRISEPACK")
    users = create_file(tmp_path, person(1), person(2), "Bad,bad,x,No,,,,,,")
    bad = cli("users", "import", str(users), "--dry-run", code=1)
    assert "line 5 [userPrincipalName]" in bad.output
    users.write_text("\n".join(users.read_text().splitlines()[:-1]) + "\n")
    done = cli("users", "import", str(users))
    assert "2 created" in done.output
    members = tmp_path / "members.csv"
    members.write_text(
        "version:v1.0\n"
        "Member object ID or user principal name [memberObjectIdOrUpn] Required\n"
        "user1@contoso.com\nnobody@contoso.com\n",
        encoding="utf-8",
    )
    refused = cli("groups", "import-members", "Staff", str(members), code=1)
    assert "line 4 [memberObjectIdOrUpn]" in refused.output
    user2 = json.loads(cli("users", "show", "user2@contoso.com", "--json").stdout)["id"]
    members.write_text(members.read_text().replace("nobody@contoso.com", user2))
    added = cli("groups", "import-members", "Staff", str(members), "--json")
    assert json.loads(added.stdout)["added"] == 2
    again = cli("groups", "import-members", "Staff", str(members), "--json")
    assert json.loads(again.stdout)["unchanged"] == 2
    for upn in ("user1@contoso.com", "user2@contoso.com"):
        shown = json.loads(cli("users", "show", upn, "--json").stdout)
        assert [(x["skuPartNumber"], x["state"]) for x in shown["licenseAssignmentStates"]] == [
            ("ENTERPRISEPACK", "Active")
        ]
    out = tmp_path / "out.csv"
    cli("users", "export", str(out))
    assert out.read_text().count("@contoso.com") == 2


def test_members_import_writes_in_chunks_and_resumes(db, tmp_path):
    bulk_import.import_users(db, create_file(tmp_path, *(person(n) for n in range(1, 6))))
    with transaction.writing(db) as session:
        groups.create(session, display_name="Staff")
    members = tmp_path / "members.csv"
    members.write_text(
        "version:v1.0\n"
        + "Member object ID or user principal name [memberObjectIdOrUpn] Required\n"
        + "".join(f"user{n}@contoso.com\n" for n in range(1, 6)),
        encoding="utf-8",
    )

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bulk_members.import_members(db, "Staff", members, chunk_size=2, progress=stop)
    report = bulk_members.import_members(db, "Staff", members, chunk_size=2)
    assert (report.created, report.unchanged) == (3, 2)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Membership)) == 5
