"""Property: for random nesting graphs (cycles attempted and refused), transitiveMembers
and transitiveMemberOf equal the closures computed here in Python, on both backends."""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from seatplan.services import groups, nesting
from seatplan.services.errors import BadRequest, Conflict
from seatplan.store.tables import Group, Membership, User

GROUPS = 7
USERS = 5

edges = st.lists(st.tuples(st.integers(0, GROUPS - 1), st.integers(0, GROUPS - 1)), max_size=20)
memberships = st.lists(
    st.tuples(st.integers(0, GROUPS - 1), st.integers(0, USERS - 1)), max_size=15
)


def closure(children: dict[int, set[int]], start: int) -> set[int]:
    """Every group under `start` (not itself: cycles are refused)."""
    seen: set[int] = set()
    stack = list(children[start])
    while stack:
        group = stack.pop()
        if group not in seen:
            seen.add(group)
            stack.extend(children[group])
    return seen


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edges=edges, memberships=memberships)
def test_transitive_reads_equal_the_reference_closure(db, edges, memberships):
    tag = uuid4().hex[:8]
    with db.writing() as session:
        group_rows = [Group(display_name=f"{tag}-{i}") for i in range(GROUPS)]
        user_rows = [
            User(
                user_principal_name=f"{tag}-{i}@x.com",
                upn_key=f"{tag}-{i}@x.com",
                display_name=f"U{i}",
            )
            for i in range(USERS)
        ]
        session.add_all(group_rows + user_rows)
        session.flush()
        for group, user in set(memberships):
            session.add(Membership(group_id=group_rows[group].id, user_id=user_rows[user].id))
        session.flush()
        children: dict[int, set[int]] = {i: set() for i in range(GROUPS)}
        for parent, child in edges:
            would_cycle = parent == child or parent in closure(children, child)
            try:
                groups.add_group_member(session, group=group_rows[parent], member=group_rows[child])
            except BadRequest:
                assert would_cycle
                continue
            except Conflict:
                assert child in children[parent]
                continue
            assert not would_cycle
            children[parent].add(child)
        group_ids = [g.id for g in group_rows]
        user_ids = [u.id for u in user_rows]

    direct_users: dict[int, set[int]] = {i: set() for i in range(GROUPS)}
    for group, user in memberships:
        direct_users[group].add(user)
    with db.reading() as session:
        for index, group_id in enumerate(group_ids):
            below = closure(children, index)
            want_groups = {group_ids[i] for i in below}
            want_users = {user_ids[u] for g in below | {index} for u in direct_users[g]}
            got_groups = set(
                session.scalars(select(nesting.transitive_member_groups(group_id).subquery().c.id))
            )
            got_users = set(
                session.scalars(select(nesting.transitive_member_users(group_id).subquery().c.id))
            )
            assert got_groups == want_groups
            assert got_users == want_users
            above = {i for i in range(GROUPS) if index in closure(children, i)}
            got_above = set(
                session.scalars(
                    select(nesting.transitive_groups_of_group(group_id).subquery().c.id)
                )
            )
            assert got_above == {group_ids[i] for i in above}
        for index, user_id in enumerate(user_ids):
            mine = {g for g in range(GROUPS) if index in direct_users[g]}
            reached = {g for g in range(GROUPS) if mine & (closure(children, g) | {g})}
            got: set[UUID] = set(
                session.scalars(select(nesting.transitive_groups_of_user(user_id).subquery().c.id))
            )
            assert got == {group_ids[g] for g in reached}
