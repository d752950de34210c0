"""Which plans are behind a license assignment's error: the plans that clash
(MutuallyExclusiveViolation), the plans that need the product being removed
(DependencyViolation), the plans not allowed at the user's location
(ProhibitedInUsageLocationViolation).

The engine records only the error's name; this names the plans, so that the
administrator knows which ones to disable and where.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.engine import ErrorKind, RuleBook, effective_location
from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import APPLIED, DIRECT, part_number
from seatplan.services.reports.problems import AssignmentError
from seatplan.store.tables import Group, LicenseAssignment, Organization, User

#: The errors whose plans are named.
_NAMED = frozenset(
    {
        ErrorKind.MUTUALLY_EXCLUSIVE.value,
        ErrorKind.DEPENDENCY.value,
        ErrorKind.PROHIBITED_LOCATION.value,
    }
)


def conflicts(
    session: Session, errors: Sequence[AssignmentError]
) -> dict[tuple[UUID, UUID], tuple[str, ...]]:
    """Per (user, product) in error, one sentence per plan involved:
    "PLAN (SKU) conflicts with PLAN (SKU, source)", "PLAN (SKU, source) needs PLAN (SKU)",
    "PLAN (SKU) is not allowed in XX"."""
    wanted = [e for e in errors if e.error in _NAMED]
    if not wanted:
        return {}
    rules, catalog = catalog_service.current(session)
    org = session.execute(
        select(Organization.default_usage_location, Organization.country_letter_code)
    ).one()
    locations = dict(
        session.execute(
            select(User.id, User.usage_location).where(User.id.in_({e.user_id for e in wanted}))
        ).all()
    )
    rows = session.execute(
        select(LicenseAssignment, Group.display_name)
        .outerjoin(Group, Group.id == LicenseAssignment.source_id)
        .where(LicenseAssignment.user_id.in_({e.user_id for e in wanted}))
    )
    held: dict[UUID, list[tuple[LicenseAssignment, str]]] = defaultdict(list)
    for row, group_name in rows:
        held[row.user_id].append((row, DIRECT if row.source_id is None else group_name or "?"))

    def name(plan: UUID) -> str:
        found = catalog.plan(plan)
        return found.name if found else str(plan)

    out: dict[tuple[UUID, UUID], tuple[str, ...]] = {}
    for error in wanted:
        source = error.group.id if error.group else None
        mine = next(
            (
                r
                for r, _ in held[error.user_id]
                if (r.sku_id, r.source_id) == (error.sku_id, source)
            ),
            None,
        )
        if mine is None or mine.sku_id not in rules.sku_plans:
            continue
        enabled = rules.config(mine.sku_id, mine.disabled_plans).enabled_plans
        found: list[str] = []
        if error.error == ErrorKind.PROHIBITED_LOCATION.value:
            where = effective_location(locations.get(error.user_id), *org)
            for plan in sorted(enabled, key=name):
                if rules.prohibited_at(frozenset({plan}), where):
                    place = f"in {where}" if where else "without a usage location"
                    found.append(f"{name(plan)} ({error.sku_part_number}) is not allowed {place}")
            out[(error.user_id, error.sku_id)] = tuple(found)
            continue
        for other, label in held[error.user_id]:
            if other is mine or other.state not in APPLIED or other.sku_id not in rules.sku_plans:
                continue
            theirs = rules.config(other.sku_id, other.disabled_plans).enabled_plans
            if error.error == ErrorKind.DEPENDENCY.value:
                for plan in sorted(theirs & rules.dependent_plans, key=name):
                    needed = {p for alt in rules.dependencies[plan] for p in alt & enabled}
                    if needed:
                        found.append(
                            f"{name(plan)} ({part_number(catalog, other.sku_id)}, {label}) needs "
                            f"{' or '.join(sorted(map(name, needed)))} ({error.sku_part_number})"
                        )
                continue
            for plan in sorted(enabled, key=name):
                for clash in sorted(rules.partners_among(plan, theirs), key=name):
                    found.append(
                        f"{name(plan)} ({error.sku_part_number}) conflicts with {name(clash)} "
                        f"({part_number(catalog, other.sku_id)}, {label})"
                    )
        if error.error == ErrorKind.DEPENDENCY.value and not found:
            found = _unmet(rules, enabled, held[error.user_id], error.sku_part_number, name)
        out[(error.user_id, error.sku_id)] = tuple(found)
    return out


def _unmet(
    rules: RuleBook,
    enabled: frozenset[UUID],
    held: list[tuple[LicenseAssignment, str]],
    part: str,
    name: Callable[[UUID], str],
) -> list[str]:
    """The product's own plans whose prerequisites the user holds nowhere."""
    active = set(enabled)
    for row, _ in held:
        if row.state in APPLIED and row.sku_id in rules.sku_plans:
            active |= rules.config(row.sku_id, row.disabled_plans).enabled_plans
    return [
        f"{name(plan)} ({part}) needs "
        f"{' or '.join(sorted(name(p) for alt in needs for p in alt))}, which the user lacks"
        for plan in sorted(enabled & rules.dependent_plans, key=name)
        if (needs := rules.dependencies[plan]) and not any(alt & active for alt in needs)
    ]
