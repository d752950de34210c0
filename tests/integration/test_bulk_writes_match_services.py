"""A bulk import's set-based writes have the outcome of the user services row by row.

The same files go into two identical directories: one through `users.create`,
`users.update` and `groups.add_member` a row at a time (what every other face does), the
other through `bulk_import`/`bulk_members`. Users, memberships (dynamic groups' joins and
leaves included), audit events, change log, licensing queue, and the licenses the worker
then assigns must be the same.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from seatplan.processing import worker
from seatplan.services import (
    bulk_csv,
    bulk_import,
    bulk_members,
    groups,
    licenses,
    organization,
    subscriptions,
    transaction,
)
from seatplan.services import users as user_service
from seatplan.services.audit import Activity
from seatplan.services.bulk_report import Report
from seatplan.services.bulk_user_rows import checked_rows
from seatplan.store.db import Database
from seatplan.store.tables import (
    AuditEvent,
    AuditTarget,
    DirectoryChange,
    Group,
    LicenseAssignment,
    Membership,
    QueuedUser,
    User,
)

E3 = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")  # ENTERPRISEPACK
COLUMNS = list(bulk_csv.USER_COLUMNS)
#: Dynamic groups: (id, name, rule, state, licensed).
DYNAMIC = [
    (UUID(int=101), "Sales", 'user.department -eq "Sales"', "On", True),
    (UUID(int=102), "In the US", 'user.usageLocation -eq "US"', "On", False),
    (UUID(int=103), "Paused sales", 'user.department -eq "Sales"', "Paused", True),
    (
        UUID(int=104),
        "Working engineers",
        '(user.accountEnabled -eq true) -and (user.department -eq "Engineering")',
        "On",
        True,
    ),
]
STAFF = UUID(int=200)
#: The audit events of users and members (the set-up's subscription has a random id).
ABOUT_USERS = AuditEvent.activity_display_name.in_(
    [Activity.ADD_USER, Activity.UPDATE_USER, Activity.ADD_MEMBER, Activity.REMOVE_MEMBER]
)
DEPARTMENTS = ["Sales", "Engineering", "Marketing"]
LOCATIONS = ["US", "DE", ""]


@pytest.fixture
def twin(database_url: str, _templates: Any) -> Any:
    """A second fresh database on the same backend as `db`."""
    url = _templates.pg_url() if database_url.startswith("postgresql") else _templates.sqlite_url()
    database = Database(url)
    yield database
    database.dispose()


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    lines = [[bulk_csv.VERSION], [bulk_csv.USER_COLUMNS[name] for name in COLUMNS]]
    lines += [[row.get(name, "") for name in COLUMNS] for row in rows]
    path.write_text("\n".join(",".join(cells) for cells in lines) + "\n", encoding="utf-8")
    return path


def create_rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "displayName": f"User {n}",
            "userPrincipalName": f"user{n}@contoso.com",
            "passwordProfile": "x",
            "accountEnabled": "Yes" if n % 5 == 0 else "No",
            "givenName": f"First{n}",
            "department": DEPARTMENTS[n % 3],
            "usageLocation": LOCATIONS[n % 3 if n % 4 else 2],
            "telephoneNumber": f"555-{n}",
            "city": "Paris" if n % 2 else "",
            "id": str(UUID(int=1000 + n)),
        }
        for n in range(count)
    ]


def update_rows(count: int) -> list[dict[str, str]]:
    """Departments and locations moved, accounts blocked and unblocked, one new value."""
    return [
        {
            "id": str(UUID(int=1000 + n)),
            "department": DEPARTMENTS[(n + 1) % 3],
            "usageLocation": LOCATIONS[(n + 2) % 3] or "FR",
            "accountEnabled": "No" if n % 2 else "Yes",
            "jobTitle": "Clerk" if n % 4 else "",
            "surname": f"Last{n}",
        }
        for n in range(0, count, 2)
    ]


def prepare(db: Database) -> None:
    with transaction.writing(db) as session:
        organization.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku="ENTERPRISEPACK", units=100)
        for group_id, name, rule, state, licensed in DYNAMIC:
            group = groups.create(
                session,
                display_name=name,
                group_id=group_id,
                group_types=["DynamicMembership"],
                membership_rule=rule,
                membership_rule_processing_state=state,
            )
            if licensed:
                licenses.assign_to_group(session, group=group, add={E3: frozenset()}, remove=[])
        staff = groups.create(session, display_name="Staff", group_id=STAFF)
        licenses.assign_to_group(session, group=staff, add={E3: frozenset()}, remove=[])


def by_services(db: Database, path: Path, *, update: bool) -> None:
    """Each row through `users.create` or `users.update`, as the API would."""
    rows = list(checked_rows(path, update=update, report=Report()))
    with transaction.writing(db) as session:
        for row in rows:
            own, standard = row.split()
            if update:
                user = session.get(User, row.user_id)
                assert user is not None
                user_service.update(session, user=user, properties=standard, **own)
            else:
                assert row.upn is not None
                user_service.create(
                    session,
                    user_principal_name=row.upn,
                    user_id=row.user_id,
                    properties=standard,
                    **own,
                )


def members_by_services(db: Database, refs: list[str]) -> None:
    with transaction.writing(db) as session:
        group = session.get(Group, STAFF)
        assert group is not None
        for ref in refs:
            user = session.scalar(select(User).where(User.upn_key == ref))
            assert user is not None
            groups.add_member(session, group=group, user=user)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _updated(log: list[tuple[Any, ...]]) -> dict[tuple[str, UUID], set[str]]:
    """The properties recorded changed, by object."""
    found: dict[tuple[str, UUID], set[str]] = {}
    for kind, object_id, _, change, properties in log:
        if change == "updated":
            found.setdefault((kind, object_id), set()).update((properties or "").split(","))
    return found


def snapshot(db: Database) -> dict[str, Any]:
    """What an import leaves, without what cannot match (ids drawn, times)."""
    with db.reading() as session:
        users = {
            row.id: {k: v for k, v in row._mapping.items() if k != "created"}
            for row in session.execute(select(User.__table__))
        }
        events = Counter(
            (
                e.activity_display_name,
                e.category,
                _json(e.initiated_by),
                _json(e.target_resources),
                _json(e.modified_properties),
                e.operation_type,
                e.result,
            )
            for e in session.scalars(select(AuditEvent).where(ABOUT_USERS))
        )
        targets = Counter(
            session.execute(
                select(
                    AuditEvent.activity_display_name,
                    AuditTarget.position,
                    AuditTarget.target_id,
                    AuditTarget.display_name,
                )
                .join(AuditEvent, AuditEvent.id == AuditTarget.event_id)
                .where(ABOUT_USERS)
            ).all()
        )
        log = [
            (c.kind, c.object_id, c.member_id, c.change, c.properties)
            for c in session.scalars(select(DirectoryChange))
        ]
        return {
            "users": users,
            "memberships": set(session.execute(select(Membership.group_id, Membership.user_id))),
            "events": events,
            "targets": targets,
            # Row by row, an update is recorded once per flush that changed something (the
            # service's own queries flush on the way), and a group's rule status once per
            # user: the rows differ, what a delta reader gets from them may not.
            "changes": Counter(c for c in log if c[0] != "group" and c[3] != "updated"),
            "updated": _updated(log),
            "queue": set(session.scalars(select(QueuedUser.user_id))),
            "rule_updated": {
                g.id: g.rule_updated is not None for g in session.scalars(select(Group))
            },
        }


def same(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """Key by key, with what is missing and what is extra (a whole snapshot is unreadable)."""
    for key, value in expected.items():
        if isinstance(value, Counter):
            assert (value - found[key], found[key] - value) == (Counter(), Counter()), key
        elif isinstance(value, set):
            assert (value - found[key], found[key] - value) == (set(), set()), key
        else:
            assert found[key] == value, key


def assignments(db: Database) -> set[tuple[Any, ...]]:
    with db.reading() as session:
        return set(
            session.execute(
                select(
                    LicenseAssignment.user_id,
                    LicenseAssignment.sku_id,
                    LicenseAssignment.source_id,
                    LicenseAssignment.state,
                )
            )
        )


def test_imports_match_the_services_row_by_row(db, twin, tmp_path):
    count = 40
    created = write(tmp_path / "create.csv", create_rows(count))
    updated = write(tmp_path / "update.csv", update_rows(count))
    members = tmp_path / "members.csv"
    refs = [f"user{n}@contoso.com" for n in range(0, count, 3)]
    members.write_text(
        "\n".join([bulk_csv.VERSION, bulk_csv.MEMBER_HEADER, *refs]) + "\n", encoding="utf-8"
    )
    for database in (db, twin):
        prepare(database)

    by_services(db, created, update=False)
    report = bulk_import.import_users(twin, created, chunk_size=7)
    assert report.created == count
    first = snapshot(db)
    assert len(first["memberships"]) > count // 2  # the rules joined users to groups
    same(snapshot(twin), first)

    by_services(db, updated, update=True)
    report = bulk_import.import_users(twin, updated, update=True, chunk_size=7)
    assert report.updated == count // 2
    second = snapshot(db)
    assert second["memberships"] != first["memberships"]  # joins and leaves
    same(snapshot(twin), second)

    members_by_services(db, refs)
    report = bulk_members.import_members(twin, "Staff", members, chunk_size=4)
    assert report.created == len(refs)
    same(snapshot(twin), snapshot(db))

    for database in (db, twin):
        worker.drain(database, batch_size=1000)
    assert assignments(db)
    assert assignments(twin) == assignments(db)
