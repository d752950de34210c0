"""Property: after any sequence of user creates, changes and deletes, every dynamic group's
members kept incrementally are exactly what evaluating its rule from scratch gives."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from seatplan.processing import worker
from seatplan.services import dynamic_groups, groups, lookup, transaction, users
from seatplan.store.db import Database
from seatplan.store.tables import Group, User

DEPARTMENTS = st.sampled_from([None, "Sales", "sales", "Finance", "Legal"])
CITIES = st.sampled_from([None, "Paris", "Oslo"])
EXTENSIONS = st.sampled_from([None, "A", "B"])
RULES = {
    "Sales": 'user.department -eq "Sales"',
    "Sales in Paris": 'user.department -eq "Sales" -and user.city -eq "Paris"',
    "Not Oslo": 'user.city -ne "Oslo" -or user.extensionAttribute1 -eq "A"',
    "Disabled": "user.accountEnabled -eq false",
}
_names = itertools.count()

Create = st.tuples(st.just("create"), DEPARTMENTS, CITIES, EXTENSIONS)
Change = st.tuples(
    st.just("change"),
    st.integers(0, 20),
    st.fixed_dictionaries(
        {},
        optional={
            "department": DEPARTMENTS,
            "city": CITIES,
            "extension": EXTENSIONS,
            "enabled": st.booleans(),
        },
    ),
)
Delete = st.tuples(st.just("delete"), st.integers(0, 20))


def _groups(db: Database) -> None:
    with transaction.writing(db) as session:
        for name, rule in RULES.items():
            groups.create(
                session,
                display_name=name,
                group_types=[dynamic_groups.DYNAMIC],
                membership_rule=rule,
            )
    worker.drain(db, batch_size=1000)


def _apply(db: Database, step: tuple[Any, ...]) -> None:
    with transaction.writing(db) as session:
        existing = list(session.scalars(select(User).order_by(User.id)))
        if step[0] == "create":
            _, department, city, extension = step
            users.create(
                session,
                user_principal_name=f"p{next(_names)}@contoso.com",
                department=department,
                properties={
                    "city": city,
                    "extension_attributes": {"extensionAttribute1": extension},
                },
            )
        elif existing and step[0] == "change":
            user = existing[step[1] % len(existing)]
            change = step[2]
            users.update(
                session,
                user=user,
                **({"department": change["department"]} if "department" in change else {}),
                **({"account_enabled": change["enabled"]} if "enabled" in change else {}),
                properties={
                    **({"city": change["city"]} if "city" in change else {}),
                    **(
                        {"extension_attributes": {"extensionAttribute1": change["extension"]}}
                        if "extension" in change
                        else {}
                    ),
                },
            )
        elif existing and step[0] == "delete":
            users.delete_user(session, user=existing[step[1] % len(existing)])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.one_of(Create, Change, Delete), max_size=12))
def test_incremental_membership_equals_a_fresh_evaluation(db, steps):
    with db.reading() as session:
        made = session.scalar(select(Group.id).where(Group.display_name == "Sales"))
    if made is None:
        _groups(db)
    for step in steps:
        _apply(db, step)
    with db.reading() as session:
        for name in RULES:
            group = lookup.group(session, name)
            assert dynamic_groups.members(session, group.id) == dynamic_groups.from_scratch(
                session, group
            ), name
