"""A bulk import's chunk of users written as sets: the same outcome as `users.create` and
`users.update` row by row, in a handful of statements.

Row by row, each user costs an ORM flush, an audit event, its change-log rows and a
query of the active dynamic groups. Here a chunk's new users are one multi-row INSERT;
their audit events, change-log rows and queue entries are written in sets; dynamic
groups are read once and their rules evaluated for the whole chunk in memory
(`dynamic_groups.users_changed`), joins and leaves going through `services.membership`
as they do for one user. tests/integration/test_bulk_writes_match_services.py checks
that the directory, memberships, audit log, change log and queue come out the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.services import assignment_rows, audit, catalog, changes, dynamic_groups, queue
from seatplan.services import organization as org_service
from seatplan.services import users as user_service
from seatplan.services.bulk_report import Problem, RowFailed
from seatplan.services.bulk_user_rows import STANDARD, UserRow
from seatplan.services.errors import BadRequest
from seatplan.services.rule_subjects import subject_of, subject_of_row
from seatplan.store.search_words import search_text
from seatplan.store.tables import User
from seatplan.store.types import utcnow

_USERS: Table = User.__table__  # type: ignore[assignment]
_LISTS = frozenset({"business_phones"})
#: The file's standard properties are ones Graph checks only the lengths of (checked with
#: the row); `users.create` would check the others' values.
assert set(STANDARD.values()) <= set(user_service.STANDARD)


#: Every column of a new user's row, as `users.create` leaves those the file cannot give.
_BLANK: dict[str, Any] = {
    **{column.key: None for column in _USERS.columns},
    "user_type": "Member",
    "other_mails": [],
    "proxy_addresses": [],
    "business_phones": [],
    "extension_attributes": {},
}


def _new_user(row: UserRow, now: Any) -> dict[str, Any]:
    """The row `users.create` would insert for the file's row, every column given
    (plain values: building ORM objects took a third of a chunk's time)."""
    own, standard = row.split()
    assert row.upn is not None  # a create row has one (checked)
    display_name = (own.get("display_name") or row.upn.split("@")[0]).strip()
    user = {
        **_BLANK,
        "id": row.user_id or uuid4(),
        "user_principal_name": row.upn,
        "upn_key": row.upn.lower(),
        "display_name": display_name,
        "display_name_words": search_text(display_name),
        "usage_location": org_service.country(own.get("usage_location"), "usage location"),
        "account_enabled": own.get("account_enabled", True),
        "department": own.get("department"),
        "job_title": own.get("job_title"),
        "created": now,
    }
    for name, value in standard.items():
        user[name] = list(value or []) if name in _LISTS else value
    return user


def create(session: Session, rows: Sequence[UserRow]) -> None:
    """Create the users of `rows` (checked, and free in the directory: `bulk_user_plan`)."""
    if not rows:
        return
    now = utcnow()
    users = [_new_user(row, now) for row in rows]
    session.flush()
    session.connection().execute(insert(_USERS), users)
    changes.record(session, changes.USER, [u["id"] for u in users], changes.CREATED)
    audit.record_each(
        session,
        activity=audit.Activity.ADD_USER,
        category="UserManagement",
        targets=[[audit.target("User", u["id"], u["user_principal_name"])] for u in users],
    )
    dynamic_groups.users_changed(
        session, [((u["id"], u["user_principal_name"]), None, subject_of_row(u)) for u in users]
    )


def _changes(row: UserRow, user: User) -> tuple[list[dict[str, Any]], bool]:
    """Set the row's values on `user` as `users.update` does; the audit's modified
    properties (in its order) and whether licensing must look at the user again."""
    own, standard = row.split()
    modified: list[dict[str, Any]] = []
    for name, value in standard.items():
        value = list(value or []) if name in _LISTS else value
        modified.append(audit.changed(user_service.STANDARD[name], getattr(user, name), value))
        setattr(user, name, value)
    requeue = False
    if "display_name" in own:
        display_name = own["display_name"].strip()
        modified.append(audit.changed("DisplayName", user.display_name, display_name))
        user.display_name = display_name
    if "usage_location" in own:
        code = org_service.country(own["usage_location"], "usage location")
        if code != user.usage_location:
            modified.append(audit.changed("UsageLocation", user.usage_location, code))
            user.usage_location = code
            requeue = True
    enabled = own.get("account_enabled")
    if enabled is not None and enabled != user.account_enabled:
        modified.append(audit.changed("AccountEnabled", user.account_enabled, enabled))
        user.account_enabled = enabled
        requeue = True
    for name, label in (("department", "Department"), ("job_title", "JobTitle")):
        if name in own:
            modified.append(audit.changed(label, getattr(user, name), own[name]))
            setattr(user, name, own[name])
    return modified, requeue


def _check_locations(session: Session, pairs: Sequence[tuple[UserRow, User]]) -> None:
    """A new usage location must suit the user's direct licenses (`users.update`): they
    are judged at the user's own location, never the organization's."""
    moving = {
        user.id: (row, code)
        for row, user in pairs
        if "usage_location" in row.values
        and (code := org_service.country(row.values["usage_location"], "usage location"))
        != user.usage_location
    }
    if not moving:
        return
    held: dict[UUID, list[engine.Assignment]] = {uid: [] for uid in moving}
    for user_id, assignment in assignment_rows.held_by_users(session, list(moving)):
        held[user_id].append(assignment)
    rules = catalog.rulebook(session)
    for user_id, (row, code) in moving.items():
        try:
            engine.check_location_change(rules, held[user_id], code)
        except engine.LicenseRefused as refused:
            raise RowFailed(Problem(row.line, "usageLocation", refused.message)) from refused
        except BadRequest as error:
            raise RowFailed(Problem(row.line, "usageLocation", error.message)) from error


def update(session: Session, pairs: Sequence[tuple[UserRow, User]]) -> None:
    """Apply the rows to their users (loaded in this session: `bulk_user_plan`)."""
    if not pairs:
        return
    _check_locations(session, pairs)
    befores = [dynamic_groups.subject(user) for _, user in pairs]
    requeued: list[UUID] = []
    targets: list[list[dict[str, Any]]] = []
    modified: list[list[dict[str, Any]]] = []
    for row, user in pairs:
        changed, requeue = _changes(row, user)
        if requeue:
            requeued.append(user.id)
        real = [m for m in changed if m["oldValue"] != m["newValue"]]
        if real:  # as `audit.record_update`: an update that changes nothing is no event
            targets.append([audit.target("User", user.id, user.user_principal_name)])
            modified.append(real)
    queue.enqueue_users(session, requeued)
    session.flush()  # the change log's rows, with the properties each user changed
    audit.record_each(
        session,
        activity=audit.Activity.UPDATE_USER,
        category="UserManagement",
        targets=targets,
        modified=modified,
    )
    dynamic_groups.users_changed(
        session,
        [
            ((user.id, user.user_principal_name), before, subject_of(user))
            for (_, user), before in zip(pairs, befores, strict=True)
        ],
    )
