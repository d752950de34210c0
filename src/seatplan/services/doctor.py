"""Check every invariant of licensing from the data itself, and repair what can be.

The checks recompute what the worker maintains incrementally — seat counters, and for
each user the rules of docs/behaviour.md — so a bug, a crash or a hand edit shows up here.
Users are read in pages of `PAGE` so that a large tenant never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from seatplan.engine import ErrorKind, RuleBook, State
from seatplan.services import catalog, dynamic_groups, nesting, queue
from seatplan.store.tables import (
    Group,
    GroupLicense,
    LicenseAssignment,
    QueuedUser,
    SkuUsage,
    Subscription,
)

PAGE = 5000
_APPLIED = (State.ACTIVE.value, State.ACTIVE_WITH_ERROR.value)


@dataclass(frozen=True, slots=True)
class Problem:
    check: str
    detail: str
    user_id: UUID | None = None
    sku_id: UUID | None = None


@dataclass(slots=True)
class Report:
    problems: list[Problem] = field(default_factory=list)
    #: SKU → (enabled units, consumed units) as they should be.
    counters: dict[UUID, tuple[int, int]] = field(default_factory=dict)
    users_checked: int = 0
    #: Dynamic groups whose members differ from their rule's result (evaluated again).
    rules_to_evaluate: set[UUID] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def users_to_requeue(self) -> set[UUID]:
        return {p.user_id for p in self.problems if p.user_id is not None}


def check(session: Session) -> Report:
    report = Report()
    _check_counters(session, report)
    _check_intents(session, report)
    _check_dynamic_groups(session, report)
    rules = catalog.rulebook(session)
    for user_id, rows in _assignments_by_user(session):
        report.users_checked += 1
        _check_user(rules, user_id, rows, report)
    return report


def repair(session: Session, report: Report) -> int:
    """Set the seat counters to the recomputed values and re-queue inconsistent users."""
    for sku_id, (enabled, consumed) in sorted(report.counters.items()):
        session.execute(
            update(SkuUsage)
            .where(SkuUsage.sku_id == sku_id)
            .values(enabled_units=enabled, consumed_units=consumed)
        )
    users = report.users_to_requeue()
    queue.enqueue_users(session, users)
    for group_id in sorted(report.rules_to_evaluate):
        dynamic_groups.evaluate_again(session, group_id)
    return len(users)


def _check_dynamic_groups(session: Session, report: Report) -> None:
    """A dynamic group that is On and evaluated has exactly its rule's members."""
    done = select(Group).where(
        Group.membership_rule_processing_state == dynamic_groups.ON,
        Group.rule_status == dynamic_groups.SUCCEEDED,
    )
    for group in session.scalars(done):
        members = dynamic_groups.members(session, group.id)
        expected = dynamic_groups.from_scratch(session, group)
        for user_id in sorted(expected - members):
            report.problems.append(
                Problem("dynamic membership", f"should be a member of group {group.id}", user_id)
            )
        for user_id in sorted(members - expected):
            report.problems.append(
                Problem("dynamic membership", f"should not be in group {group.id}", user_id)
            )
        if members != expected:
            report.rules_to_evaluate.add(group.id)


def _check_counters(session: Session, report: Report) -> None:
    bought: dict[UUID, int] = dict(
        session.execute(
            select(Subscription.sku_id, func.sum(Subscription.enabled_units)).group_by(
                Subscription.sku_id
            )
        ).all()
    )
    holders = (
        select(LicenseAssignment.sku_id, LicenseAssignment.user_id)
        .where(LicenseAssignment.state.in_(_APPLIED))
        .distinct()
        .subquery()
    )
    in_use: dict[UUID, int] = dict(
        session.execute(select(holders.c.sku_id, func.count()).group_by(holders.c.sku_id)).all()
    )
    for sku_id, enabled, consumed in session.execute(
        select(SkuUsage.sku_id, SkuUsage.enabled_units, SkuUsage.consumed_units)
    ):
        should = (int(bought.get(sku_id, 0)), int(in_use.get(sku_id, 0)))
        if (enabled, consumed) != should:
            report.problems.append(
                Problem(
                    "seat counters",
                    f"counters say {enabled} enabled, {consumed} consumed; the data says "
                    f"{should[0]} enabled, {should[1]} consumed",
                    sku_id=sku_id,
                )
            )
            report.counters[sku_id] = should
    for sku_id, count in in_use.items():
        if count > int(bought.get(sku_id, 0)):
            report.problems.append(
                Problem(
                    "seats bought",
                    f"{count} users hold a seat of {bought.get(sku_id, 0)} bought "
                    "(allowed only after a subscription was reduced)",
                    sku_id=sku_id,
                )
            )


def _check_intents(session: Session, report: Report) -> None:
    """Every member of a licensed group has a row per product, unless still queued; no
    group license is held without its intent. With licenseNestedGroups a group's members
    include those of the groups under it; without, they do not."""
    pairs = nesting.licensing_pairs(session).subquery()
    not_queued = ~pairs.c.user_id.in_(select(QueuedUser.user_id))
    missing = session.execute(
        select(pairs.c.user_id, GroupLicense.sku_id, GroupLicense.group_id)
        .join(GroupLicense, GroupLicense.group_id == pairs.c.group_id)
        .outerjoin(
            LicenseAssignment,
            (LicenseAssignment.user_id == pairs.c.user_id)
            & (LicenseAssignment.sku_id == GroupLicense.sku_id)
            & (LicenseAssignment.source_id == GroupLicense.group_id),
        )
        .where(LicenseAssignment.user_id.is_(None), not_queued)
    )
    for user_id, sku_id, group_id in missing:
        report.problems.append(
            Problem("intent kept", f"no assignment from group {group_id}", user_id, sku_id)
        )
    stale = session.execute(
        select(LicenseAssignment.user_id, LicenseAssignment.sku_id, LicenseAssignment.source_id)
        .outerjoin(
            pairs,
            (pairs.c.user_id == LicenseAssignment.user_id)
            & (pairs.c.group_id == LicenseAssignment.source_id),
        )
        .outerjoin(
            GroupLicense,
            (GroupLicense.group_id == LicenseAssignment.source_id)
            & (GroupLicense.sku_id == LicenseAssignment.sku_id),
        )
        .where(LicenseAssignment.source_id.is_not(None))
        .where((pairs.c.user_id.is_(None)) | (GroupLicense.group_id.is_(None)))
        .where(LicenseAssignment.error.is_distinct_from(ErrorKind.DEPENDENCY.value))
        .where(~LicenseAssignment.user_id.in_(select(QueuedUser.user_id)))
    )
    for user_id, sku_id, source_id in stale:
        report.problems.append(
            Problem(
                "intent gone", f"assignment from group {source_id} has no intent", user_id, sku_id
            )
        )
    for group_id in session.scalars(nesting.in_cycles()):
        report.problems.append(
            Problem("nesting", f"group {group_id} is a member of itself through nested groups")
        )


def _assignments_by_user(
    session: Session,
) -> Iterator[tuple[UUID, list[LicenseAssignment]]]:
    rows = session.scalars(
        select(LicenseAssignment)
        .order_by(LicenseAssignment.user_id)
        .execution_options(yield_per=PAGE)
    )
    for user_id, group in groupby(rows, key=lambda row: row.user_id):
        yield user_id, list(group)


def _check_user(
    rules: RuleBook, user_id: UUID, rows: list[LicenseAssignment], report: Report
) -> None:
    def problem(check_name: str, detail: str, sku_id: UUID | None = None) -> None:
        report.problems.append(Problem(check_name, detail, user_id, sku_id))

    plans: set[UUID] = set()
    owners: dict[UUID, UUID] = {}
    for row in rows:
        applied = row.state in _APPLIED
        needs_error = row.state in (State.ERROR.value, State.ACTIVE_WITH_ERROR.value)
        if needs_error != (row.error is not None):
            problem("state", f"state {row.state} with error {row.error}", row.sku_id)
        if applied and row.sku_id in rules.sku_plans:
            for plan in rules.config(row.sku_id, row.disabled_plans).enabled_plans:
                plans.add(plan)
                owners.setdefault(plan, row.sku_id)
    frozen = frozenset(plans)
    pair = rules.conflict(frozen, frozen)
    if pair is not None:
        problem("exclusive plans", f"plans {pair[0]} and {pair[1]} are both enabled")
    for plan in sorted(rules.dependent_plans & frozen):
        missing = rules.unmet(plan, frozen)
        if missing is not None:
            problem("prerequisites", f"plan {plan} lacks {sorted(map(str, missing))}", owners[plan])
    by_source: dict[UUID, list[LicenseAssignment]] = {}
    for row in rows:
        if row.source_id is not None:
            by_source.setdefault(row.source_id, []).append(row)
    for source_id, group_rows in by_source.items():
        errors = [row.error for row in group_rows if row.state == State.ERROR.value]
        if ErrorKind.OTHER.value in errors and all(e == ErrorKind.OTHER.value for e in errors):
            problem("all or nothing", f"group {source_id}: Other without a failing product")
