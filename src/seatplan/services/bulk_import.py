"""Bulk import of users and group members from Entra's CSV files, and the users' export.

Every import first checks every row (the file's own checks, then the directory's, a
chunk at a time in read transactions) and writes nothing when one is bad: a dry run
stops there. It then writes chunk by chunk, one transaction each, through the same
services as the API, so licensing, dynamic groups, the change log, events and the audit
log follow. Rows are idempotent, so an import that stopped half-way is run again as it
was: a create row whose user exists with every given value is skipped, an update row
that changes nothing is skipped, a member already in the group is skipped.
docs/bulk-import.md describes the formats and these rules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import audit, bulk_csv, dynamic_groups, lookup, membership, transaction
from seatplan.services import organization as org_service
from seatplan.services import users as user_service
from seatplan.services.errors import BadRequest, ServiceError
from seatplan.store.db import Database
from seatplan.store.tables import Group, Membership, User

CHUNK = 1000

#: Columns set through `users.create`/`users.update`'s own parameters: property → attribute.
_OWN: Mapping[str, str] = MappingProxyType(
    {
        "displayName": "display_name",
        "accountEnabled": "account_enabled",
        "usageLocation": "usage_location",
        "department": "department",
        "jobTitle": "job_title",
    }
)
#: Columns that are Graph's standard properties (`users.STANDARD`): property → attribute.
#: Graph checks none of their values beyond their lengths (checked here, `_limit`).
_STANDARD: Mapping[str, str] = MappingProxyType(
    {
        "givenName": "given_name",
        "surname": "surname",
        "streetAddress": "street_address",
        "state": "state",
        "country": "country",
        "physicalDeliveryOfficeName": "office_location",
        "city": "city",
        "postalCode": "postal_code",
        "telephoneNumber": "business_phones",
        "mobile": "mobile_phone",
    }
)
#: Read and ignored: Seatplan signs nobody in, so it keeps no password.
IGNORED = ("passwordProfile",)
_KNOWN = (*_OWN, *_STANDARD, "userPrincipalName", "id", *IGNORED)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """A bad row: its line in the file, the column at fault (if one is), why."""

    line: int
    column: str | None
    message: str


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    written: bool = False


class ImportStopped(Exception):
    """A chunk failed while writing: it was rolled back; the chunks before it stay."""

    def __init__(self, problem: Problem, report: Report) -> None:
        super().__init__(f"line {problem.line}: {problem.message}")
        self.problem = problem
        self.report = report


@dataclass(frozen=True)
class _UserRow:
    """A checked user row: what it names and the values it gives, by attribute."""

    line: int
    upn: str | None
    user_id: UUID | None
    values: dict[str, Any]


class _Bad(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _limit(attribute: str) -> int | None:
    column = User.__table__.c.get(attribute)
    return getattr(column.type, "length", None) if column is not None else None


def _value(prop: str, text: str) -> Any:
    if prop == "accountEnabled":  # the column is "Block sign in (Yes/No)"
        answer = text.lower()
        if answer not in ("yes", "no"):
            raise _Bad(prop, f"Block sign in must be Yes or No, not '{text}'.")
        return answer == "no"
    if prop == "usageLocation":
        return org_service.country(text, "usage location")
    if prop == "telephoneNumber":
        return [text]  # Graph's businessPhones holds one number
    return text


def _check_user(row: bulk_csv.Row, *, update: bool) -> _UserRow | list[Problem]:
    """The row's values, or every problem the row has by itself."""
    cells = row.cells
    problems: list[Problem] = []

    def bad(column: str | None, message: str) -> None:
        problems.append(Problem(row.line, column, message))

    required = bulk_csv.UPDATE_REQUIRED if update else ("displayName", "userPrincipalName")
    for name in required:
        if name not in cells:
            bad(name, f"{name} is required.")
    if not update and "accountEnabled" not in cells:
        bad("accountEnabled", "Block sign in (Yes/No) is required.")
    upn = None
    if "userPrincipalName" in cells:
        try:
            upn = user_service.principal_name(cells["userPrincipalName"])
        except BadRequest as error:
            bad("userPrincipalName", error.message)
    user_id = None
    if "id" in cells:
        user_id = lookup.as_uuid(cells["id"])
        if user_id is None:
            bad("id", f"Invalid object id '{cells['id']}'.")
    values: dict[str, Any] = {}
    for prop, attribute in (*_OWN.items(), *_STANDARD.items()):
        if prop not in cells:
            continue
        limit = _limit(attribute)
        if limit is not None and len(cells[prop]) > limit:
            bad(prop, f"{prop} is longer than {limit} characters.")
            continue
        try:
            values[attribute] = _value(prop, cells[prop])
        except _Bad as error:
            bad(error.column, error.message)
        except BadRequest as error:
            bad(prop, error.message)
    return problems or _UserRow(row.line, upn, user_id, values)


def _differs(user: User, values: Mapping[str, Any]) -> list[str]:
    """The attributes whose given value is not the user's."""
    return [a for a, v in values.items() if getattr(user, a) != v]


@dataclass
class _Plan:
    create: list[_UserRow] = field(default_factory=list)
    update: list[tuple[_UserRow, User]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def _classify(session: Session, rows: Sequence[_UserRow], *, update: bool) -> _Plan:
    """What each row of a chunk does against the directory as it is now."""
    plan = _Plan()
    if update:
        ids = [row.user_id for row in rows if row.user_id is not None]
        by_id = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
        for row in rows:
            user = by_id.get(row.user_id) if row.user_id is not None else None
            if user is None:
                plan.problems.append(Problem(row.line, "id", f"No user has id '{row.user_id}'."))
            elif row.upn is not None and row.upn.lower() != user.upn_key:
                message = f"User {row.user_id} is '{user.user_principal_name}', not '{row.upn}'."
                plan.problems.append(Problem(row.line, "userPrincipalName", message))
            elif _differs(user, row.values):
                plan.update.append((row, user))
            else:
                plan.unchanged += 1
        return plan
    keys = [row.upn.lower() for row in rows if row.upn is not None]
    by_upn = {u.upn_key: u for u in session.scalars(select(User).where(User.upn_key.in_(keys)))}
    ids = [row.user_id for row in rows if row.user_id is not None]
    taken = set(session.scalars(select(User.id).where(User.id.in_(ids)))) if ids else set()
    for row in rows:
        assert row.upn is not None  # a create row has one (checked)
        user = by_upn.get(row.upn.lower())
        if user is None:
            if row.user_id in taken:
                message = f"Another user already has id '{row.user_id}'."
                plan.problems.append(Problem(row.line, "id", message))
            else:
                plan.create.append(row)
            continue
        differing = _differs(user, row.values)
        if row.user_id is not None and row.user_id != user.id:
            differing.append("id")
        if differing:
            message = (
                f"A user with userPrincipalName '{row.upn}' already exists with other "
                f"values ({', '.join(sorted(differing))})."
            )
            plan.problems.append(Problem(row.line, "userPrincipalName", message))
        else:
            plan.unchanged += 1
    return plan


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _checked_rows(path: Path, *, update: bool, report: Report) -> Iterator[_UserRow]:
    """Every row that passes the file's own checks; the others go to the report."""
    required = bulk_csv.UPDATE_REQUIRED if update else bulk_csv.CREATE_REQUIRED
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as stream:
        table = bulk_csv.read(stream, known=_KNOWN, required=required)
        report.ignored_columns = table.ignored
        for row in table.rows:
            report.rows += 1
            checked = _check_user(row, update=update)
            if isinstance(checked, list):
                report.problems.extend(checked)
                continue
            name = "id" if update else "userPrincipalName"
            key = str(checked.user_id) if update else (checked.upn or "").lower()
            if key in seen:
                message = f"The same {name} is on line {seen[key]}."
                report.problems.append(Problem(row.line, name, message))
                continue
            seen[key] = row.line
            yield checked


def import_users(
    db: Database,
    path: Path,
    *,
    update: bool = False,
    dry_run: bool = False,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    actor: audit.Actor | None = None,
) -> Report:
    """Check every row of a bulk create (or, `update`, bulk update) file, then write it.

    Nothing is written when a row is bad or on a dry run. A chunk that fails while
    writing raises `ImportStopped` after rolling itself back.
    """
    report = Report()
    for chunk in _chunks(_checked_rows(path, update=update, report=report), chunk_size):
        with db.reading() as session:
            plan = _classify(session, chunk, update=update)
        report.problems.extend(plan.problems)
        report.created += len(plan.create)
        report.updated += len(plan.update)
        report.unchanged += plan.unchanged
    report.problems.sort(key=lambda problem: problem.line)
    if report.problems or dry_run:
        return report
    written = Report(rows=report.rows, ignored_columns=report.ignored_columns, written=True)
    done = 0
    for chunk in _chunks(_checked_rows(path, update=update, report=Report()), chunk_size):
        try:
            with _writing(db, actor) as session:
                plan = _classify(session, chunk, update=update)
                if plan.problems:
                    raise _Stop(plan.problems[0])
                _apply(session, plan)
        except _Stop as stop:
            raise ImportStopped(stop.problem, written) from None
        written.created += len(plan.create)
        written.updated += len(plan.update)
        written.unchanged += plan.unchanged
        done += len(chunk)
        if progress is not None:
            progress(done, report.rows)
    return written


@contextmanager
def _writing(db: Database, actor: audit.Actor | None) -> Iterator[Session]:
    """A chunk's transaction, audited as `actor`'s (else as the database's caller)."""
    with transaction.writing(db) as session:
        if actor is not None:
            audit.act_as(session, actor)
        yield session


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    own = {a: v for a, v in values.items() if a in _OWN.values()}
    standard = {a: v for a, v in values.items() if a not in _OWN.values()}
    return own, standard


def _apply(session: Session, plan: _Plan) -> None:
    for row in plan.create:
        own, standard = _split(row.values)
        assert row.upn is not None
        try:
            user_service.create(
                session,
                user_principal_name=row.upn,
                user_id=row.user_id,
                properties=standard,
                **own,
            )
        except ServiceError as error:
            raise _Stop(Problem(row.line, None, error.message)) from error
    for row, user in plan.update:
        own, standard = _split(row.values)
        try:
            user_service.update(session, user=user, properties=standard, **own)
        except ServiceError as error:
            raise _Stop(Problem(row.line, None, error.message)) from error


# --- group members -------------------------------------------------------------------


@dataclass(frozen=True)
class _MemberRow:
    line: int
    ref: str


def _member_rows(path: Path, report: Report) -> Iterator[_MemberRow]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        table = bulk_csv.read(stream, known=[bulk_csv.MEMBER], required=[bulk_csv.MEMBER])
        report.ignored_columns = table.ignored
        for row in table.rows:
            report.rows += 1
            ref = row.cells.get(bulk_csv.MEMBER)
            if ref is None:
                problem = Problem(row.line, bulk_csv.MEMBER, f"{bulk_csv.MEMBER} is required.")
                report.problems.append(problem)
                continue
            yield _MemberRow(row.line, ref)


def _resolve(
    session: Session, group: Group, rows: Sequence[_MemberRow], seen: set[UUID]
) -> tuple[list[membership.Member], int, list[Problem]]:
    """The users of a chunk to add, how many are members already (or listed twice), and
    the rows that name no user."""
    ids = [i for i in (lookup.as_uuid(row.ref) for row in rows) if i is not None]
    keys = [row.ref.lower() for row in rows if lookup.as_uuid(row.ref) is None]
    found = session.execute(
        select(User.id, User.user_principal_name, User.upn_key).where(
            User.id.in_(ids) | User.upn_key.in_(keys)
        )
    ).all()
    by_ref: dict[str, tuple[UUID, str]] = {}
    for user_id, upn, key in found:
        by_ref[str(user_id)] = by_ref[key] = (user_id, upn)
    members = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group.id, Membership.user_id.in_([f[0] for f in found])
            )
        )
    )
    adding: list[membership.Member] = []
    skipped = 0
    problems: list[Problem] = []
    for row in rows:
        named = lookup.as_uuid(row.ref)
        user = by_ref.get(str(named) if named is not None else row.ref.lower())
        if user is None:
            message = f"No user has id or userPrincipalName '{row.ref}'."
            problems.append(Problem(row.line, bulk_csv.MEMBER, message))
        elif user[0] in members or user[0] in seen:
            skipped += 1
        else:
            seen.add(user[0])
            adding.append(user)
    return adding, skipped, problems


def _group(session: Session, ref: str) -> Group:
    group = lookup.group(session, ref)
    dynamic_groups.refuse_manual_change(group)
    return group


def import_members(
    db: Database,
    group_ref: str,
    path: Path,
    *,
    dry_run: bool = False,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    actor: audit.Actor | None = None,
) -> Report:
    """Add the users of a bulk add members file to a group, as `import_users` does."""
    report = Report()
    seen: set[UUID] = set()
    for chunk in _chunks(_member_rows(path, report), chunk_size):
        with db.reading() as session:
            adding, skipped, problems = _resolve(session, _group(session, group_ref), chunk, seen)
        report.created += len(adding)
        report.unchanged += skipped
        report.problems.extend(problems)
    if report.rows == 0:
        with db.reading() as session:
            _group(session, group_ref)  # a group that cannot be named is an error anyway
    report.problems.sort(key=lambda problem: problem.line)
    if report.problems or dry_run:
        return report
    written = Report(rows=report.rows, ignored_columns=report.ignored_columns, written=True)
    seen.clear()
    done = 0
    for chunk in _chunks(_member_rows(path, Report()), chunk_size):
        with _writing(db, actor) as session:
            group = _group(session, group_ref)
            adding, skipped, problems = _resolve(session, group, chunk, seen)
            if problems:
                raise ImportStopped(problems[0], written)
            membership.join(session, group=group, users=adding)
        written.created += len(adding)
        written.unchanged += skipped
        done += len(chunk)
        if progress is not None:
            progress(done, report.rows)
    return written


# --- export --------------------------------------------------------------------------


def _cells(user: User) -> list[str]:
    values: dict[str, Any] = {
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "passwordProfile": "",
        "accountEnabled": "No" if user.account_enabled else "Yes",
        "id": str(user.id),
    }
    for prop, attribute in (*_OWN.items(), *_STANDARD.items()):
        if prop not in values:
            value = getattr(user, attribute)
            values[prop] = (value[0] if value else "") if isinstance(value, list) else value
    return ["" if values[prop] is None else str(values[prop]) for prop in bulk_csv.USER_COLUMNS]


def export_users(db: Database, *, page: int = CHUNK) -> Iterator[str]:
    """Every user as bulk create's CSV (with the id last), by userPrincipalName, a few
    lines at a time: the directory is never in memory at once."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    out.writerows(bulk_csv.header_lines())
    yield flush()
    after = ""
    while True:
        with db.reading() as session:
            users = list(
                session.scalars(
                    select(User).where(User.upn_key > after).order_by(User.upn_key).limit(page)
                )
            )
            out.writerows(_cells(user) for user in users)
        if not users:
            return
        after = users[-1].upn_key
        yield flush()
