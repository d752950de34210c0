"""What each checked row of a chunk does against the directory as it is now: create a
user, update one, nothing (it is already so), or a problem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services.bulk_report import Problem
from seatplan.services.bulk_user_rows import UserRow
from seatplan.store.tables import User


@dataclass
class Plan:
    create: list[UserRow] = field(default_factory=list)
    update: list[tuple[UserRow, User]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def _differs(user: User, values: Mapping[str, Any]) -> list[str]:
    """The attributes whose given value is not the user's."""
    return [a for a, v in values.items() if getattr(user, a) != v]


def classify(session: Session, rows: Sequence[UserRow], *, update: bool) -> Plan:
    """The plan of a chunk (its update rows hold the users, loaded in this session)."""
    return _updates(session, rows) if update else _creates(session, rows)


def _updates(session: Session, rows: Sequence[UserRow]) -> Plan:
    plan = Plan()
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


def _creates(session: Session, rows: Sequence[UserRow]) -> Plan:
    plan = Plan()
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
