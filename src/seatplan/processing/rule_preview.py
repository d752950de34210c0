"""What a membership rule would do, before anyone saves it (Entra cannot tell).

Who would join the group and who would leave it, and what licensing would then do to
them: the group's products applied to the joiners and removed from the leavers,
evaluated the way the worker would evaluate them (`simulation.evaluate_queue`: its
loader, the engine, one seat pool shared across batches). Saving a rule changes the
memberships and queues the users whose membership changed, behind the users queued
already; the preview evaluates that same queue, the memberships changed in memory.

Nothing is written, not even in a savepoint: a preview runs in a read transaction, so on
SQLite it never takes the write lock, however many users the rule reaches.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.engine import Intent, UserCase
from seatplan.processing.simulation import Simulation, evaluate_queue, queued_in_claim_order
from seatplan.services import dynamic_groups
from seatplan.services.rule_subjects import load_subjects
from seatplan.store import bulk, deadline
from seatplan.store.tables import Group, GroupLicense, Membership, QueuedUser, User
from seatplan.store.types import utcnow

#: Joiners and leavers named in a preview, at most (the first by display name).
NAMED = 10
#: A preview reads every user but takes no lock a writer waits for: a request that
#: previews gets this many times the usual limit of its statements
#: (`statement_timeout_seconds`), so that 100,000 users fit on a busy machine.
TIME_LIMIT_FACTOR = 6


@dataclass(frozen=True, slots=True)
class NamedUser:
    id: UUID
    display_name: str
    user_principal_name: str


@dataclass(frozen=True, slots=True)
class RulePreview:
    rule: str
    #: The group whose rule it would be; None for a group not created yet.
    group_id: UUID | None
    users_matching: int
    joining: int
    leaving: int
    #: The first joiners and leavers by display name (at most `NAMED` of each).
    joiners: tuple[NamedUser, ...]
    leavers: tuple[NamedUser, ...]
    #: What licensing would do, for a group with products (else None).
    licensing: Simulation | None
    #: Seconds spent evaluating the rule over the directory, and in all.
    rule_seconds: float
    total_seconds: float


def request_time_limit(seconds: float) -> AbstractContextManager[None]:
    """The time limit of a request that previews, from the usual one (`TIME_LIMIT_FACTOR`)."""
    return deadline.time_limit(seconds * TIME_LIMIT_FACTOR)


def preview_rule(
    session: Session, *, group: Group | None, rule_text: str, batch_size: int
) -> RulePreview:
    """Joiners, leavers and the licensing outcome of giving `group` (None: a new group)
    the rule `rule_text`. Only reads; an invalid rule raises `dynamic_groups.InvalidRule`
    (Graph's 400, with the position and the reason), as saving it would."""
    started = time.perf_counter()
    rule = dynamic_groups.rule(rule_text)
    matching = {user_id for user_id, subject in load_subjects(session) if rule.matches(subject)}
    rule_seconds = time.perf_counter() - started
    members = _members(session, group.id) if group is not None else set()
    joiners = sorted(matching - members)
    leavers = sorted(members - matching)
    licensing = None
    if group is not None:
        licensing = _licensing(session, group, joiners, leavers, batch_size)
    return RulePreview(
        rule=rule.text,
        group_id=group.id if group is not None else None,
        users_matching=len(matching),
        joining=len(joiners),
        leaving=len(leavers),
        joiners=_first_by_name(session, joiners),
        leavers=_first_by_name(session, leavers),
        licensing=licensing,
        rule_seconds=rule_seconds,
        total_seconds=time.perf_counter() - started,
    )


def _members(session: Session, group_id: UUID) -> set[UUID]:
    members = select(Membership.user_id).where(Membership.group_id == group_id)
    return {user_id for (user_id,) in bulk.fetch(session, members)}


def _licensing(
    session: Session, group: Group, joiners: list[UUID], leavers: list[UUID], batch_size: int
) -> Simulation | None:
    products = session.execute(
        select(GroupLicense.sku_id, GroupLicense.disabled_plans, GroupLicense.assigned_at)
        .where(GroupLicense.group_id == group.id)
        .order_by(GroupLicense.sku_id)
    ).all()
    if not products:
        return None
    # A joiner's intent is as old as their membership: now.
    now = utcnow()
    intents = tuple(
        Intent(sku, group.id, frozenset(disabled), max(now, assigned))
        for sku, disabled, assigned in products
    )
    # A disabled account holds no license (`processing.loader`): joining gives it none.
    disabled = select(User.id).where(User.account_enabled.is_(False))
    joining = set(joiners) - {user_id for (user_id,) in bulk.fetch(session, disabled)}
    leaving = set(leavers)

    def adjust(cases: list[UserCase]) -> list[UserCase]:
        """The memberships the rule changes, made on the loaded users only."""
        out = []
        for case in cases:
            user = case.user_id
            if user in joining:
                # Not twice for a user who reaches the group through a nested one already.
                had = {i.group_id for i in case.intents}
                added = intents if group.id not in had else ()
                case = UserCase(user, case.location, case.intents + added, case.held)
            elif user in leaving:
                kept = tuple(i for i in case.intents if i.group_id != group.id)
                case = UserCase(user, case.location, kept, case.held)
            out.append(case)
        return out

    return evaluate_queue(
        session,
        group_id=group.id,
        display_name=group.display_name,
        batches=_claim_order(session, joiners + leavers, batch_size),
        skus=[sku for sku, _, _ in products],
        adjust=adjust,
    )


def _claim_order(session: Session, changed: list[UUID], size: int) -> Iterator[list[UUID]]:
    """The queue the worker would find once the rule is saved, a batch at a time: the
    users queued already (a changed user among them keeps their place), then the other
    changed users, queued now, in id order."""
    queued = set(session.scalars(select(QueuedUser.user_id)))
    later = sorted(user for user in changed if user not in queued)
    return _rebatch([*queued_in_claim_order(session, size), later], size)


def _rebatch(parts: Iterable[list[UUID]], size: int) -> Iterator[list[UUID]]:
    batch: list[UUID] = []
    for part in parts:
        for user_id in part:
            batch.append(user_id)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _first_by_name(session: Session, user_ids: list[UUID]) -> tuple[NamedUser, ...]:
    if not user_ids:
        return ()
    rows = bulk.fetch(
        session,
        select(User.id, User.display_name, User.user_principal_name)
        .where(bulk.among(session, User.id, user_ids))
        .order_by(User.display_name, User.id)
        .limit(NAMED),
    )
    return tuple(NamedUser(*row) for row in rows)
