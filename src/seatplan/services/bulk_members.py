"""`seatplan groups import-members` and the portal's Import members: Entra's bulk add
members file, checked, then written a chunk at a time as `bulk_import` writes users.

Each chunk's users are resolved with one query and added with one `membership.join`
(one INSERT of the memberships, their change-log rows, audit events and queue entries in
sets). A member already in the group, or listed twice, is skipped, so an import that
stopped half-way resumes when run again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import audit, bulk_csv, dynamic_groups, lookup, membership
from seatplan.services.bulk_report import (
    CHUNK,
    ImportStopped,
    Problem,
    Progress,
    Report,
    chunks,
    writing,
)
from seatplan.store.db import Database
from seatplan.store.tables import Group, Membership, User


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
    for chunk in chunks(_member_rows(path, report), chunk_size):
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
    written = report.writing()
    seen.clear()
    done = 0
    for chunk in chunks(_member_rows(path, Report()), chunk_size):
        with writing(db, actor) as session:
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
