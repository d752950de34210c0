"""The change log records every directory change in the change's own transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from seatplan.api import odata
from seatplan.processing import worker
from seatplan.services import (
    catalog,
    changes,
    groups,
    licenses,
    lookup,
    organization,
    subscriptions,
    users,
)
from seatplan.services.errors import BadRequest
from seatplan.store.db import Database
from seatplan.store.tables import DirectoryChange, Group, User
from seatplan.store.types import utcnow

E3 = "ENTERPRISEPACK"


def _since(db: Database, cursor: changes.Cursor) -> tuple[list[changes.Change], changes.Cursor]:
    with db.reading() as session:
        return changes.since(session, cursor)


def _start(db: Database) -> changes.Cursor:
    with db.reading() as session:
        return changes.current(session)


def _summary(found: list[changes.Change]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.change, ",".join(sorted(c.properties))) for c in found]


def test_users_groups_and_members_are_recorded_with_changed_properties(db: Database) -> None:
    start = _start(db)
    with db.writing() as session:
        user = users.create(session, user_principal_name="ann@contoso.com")
        group = groups.create(session, display_name="Sales")
        groups.add_member(session, group=group, user=user)
    found, after_create = _since(db, start)
    assert _summary(found) == [
        ("user", "created", ""),
        ("group", "created", ""),
        ("member", "added", ""),
    ]
    assert found[2].object_id == group.id
    assert found[2].member_id == user.id

    with db.writing() as session:
        user = lookup.user(session, str(user.id))
        users.update(session, user=user, display_name="Ann", job_title="Buyer")
        users.update(session, user=user, display_name="Ann")  # no change: nothing recorded
        groups.remove_member(session, group=lookup.group(session, group.id), user=user)
    found, after_update = _since(db, after_create)
    assert _summary(found) == [
        ("user", "updated", "displayName,jobTitle"),
        ("member", "removed", ""),
    ]

    with db.writing() as session:
        group = lookup.group(session, group.id)
        groups.add_member(session, group=group, user=lookup.user(session, str(user.id)))
        users.delete_user(session, user=lookup.user(session, str(user.id)))
        groups.delete_group(session, group=group)
    found, _ = _since(db, after_update)
    assert _summary(found) == [
        ("member", "added", ""),
        ("member", "removed", ""),
        ("user", "deleted", ""),
        ("group", "deleted", ""),
    ]


def test_a_refused_change_records_nothing(db: Database) -> None:
    start = _start(db)

    def refused() -> None:
        with db.writing() as session:
            user = users.create(session, user_principal_name="bo@contoso.com")
            users.update(session, user=user, display_name=" ")

    with pytest.raises(BadRequest):
        refused()
    assert _since(db, start)[0] == []


def test_license_changes_by_the_worker_are_recorded_per_user(db: Database) -> None:
    with db.writing() as session:
        organization.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=E3, units=5)
        group = groups.create(session, display_name="Staff")
        members = [users.create(session, user_principal_name=f"u{i}@contoso.com") for i in range(3)]
        for member in members:
            groups.add_member(session, group=group, user=member)
    start = _start(db)
    with db.writing() as session:
        sku = catalog.find_product(session, E3).sku_id
        licenses.assign_to_group(
            session, group=lookup.group(session, group.id), add={sku: frozenset()}, remove=[]
        )
    worker.drain(db, batch_size=2)
    found, _ = _since(db, start)
    licensed = {c.object_id for c in found if c.kind == "user"}
    assert licensed == {member.id for member in members}
    assert all(c.properties == set(changes.LICENSE_PROPERTIES) for c in found if c.kind == "user")
    group_changes = [c.properties for c in found if c.kind == "group"]
    assert frozenset({"assignedLicenses"}) in group_changes
    assert frozenset({"licenseProcessingState"}) in group_changes


def test_cursor_round_trips_as_text(db: Database) -> None:
    cursor = _start(db)
    assert changes.Cursor.parse(str(cursor)) == cursor
    with pytest.raises(ValueError, match="cursor"):
        changes.Cursor.parse("1:2")


def test_prune_keeps_what_a_valid_token_can_need(db: Database) -> None:
    with db.writing() as session:
        users.create(session, user_principal_name="cy@contoso.com")
    with db.writing() as session:
        assert changes.prune(session) == 0
        assert changes.prune(session, now=utcnow() + changes.RETENTION + timedelta(days=2)) == 1


def test_an_idle_worker_prunes_the_log(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.writing() as session:
        users.create(session, user_principal_name="di@contoso.com")
    monkeypatch.setattr(changes, "RETENTION", timedelta(days=-2))  # every row is old now
    stop = threading.Event()
    prune = worker.prune_change_log
    pruned: list[int] = []

    def prune_then_stop(database: Database) -> int:
        pruned.append(prune(database))
        stop.set()
        return pruned[-1]

    monkeypatch.setattr(worker, "prune_change_log", prune_then_stop)
    worker.run(db, batch_size=10, poll_seconds=0.01, stop=stop)
    assert pruned == [1]
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(DirectoryChange)) == 0


def test_every_column_is_tracked_under_its_graph_name() -> None:
    """A column added to users or groups is either internal or a property of the API."""
    for table, spec in ((User, odata.USERS), (Group, odata.GROUPS)):
        for column in table.__table__.columns:
            name = changes.graph_name(column.key)
            assert name is None or spec.field(name) is not None, (table, column.key, name)
