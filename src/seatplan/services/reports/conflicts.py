"""Which plans clash, for license assignments in MutuallyExclusiveViolation.

The engine records only the error's name; this names the plans, so that the
administrator knows which ones to disable and where.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.engine import ErrorKind
from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import APPLIED, DIRECT, part_number
from seatplan.services.reports.problems import AssignmentError
from seatplan.store.tables import Group, LicenseAssignment


def conflicts(
    session: Session, errors: Sequence[AssignmentError]
) -> dict[tuple[UUID, UUID], tuple[str, ...]]:
    """Per (user, product) in conflict: "PLAN (SKU) conflicts with PLAN (SKU, source)"."""
    wanted = [e for e in errors if e.error == ErrorKind.MUTUALLY_EXCLUSIVE.value]
    if not wanted:
        return {}
    rules, catalog = catalog_service.current(session)
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
        for other, label in held[error.user_id]:
            if other is mine or other.state not in APPLIED or other.sku_id not in rules.sku_plans:
                continue
            theirs = rules.config(other.sku_id, other.disabled_plans).enabled_plans
            for plan in sorted(enabled, key=name):
                for clash in sorted(rules.partners_among(plan, theirs), key=name):
                    found.append(
                        f"{name(plan)} ({error.sku_part_number}) conflicts with {name(clash)} "
                        f"({part_number(catalog, other.sku_id)}, {label})"
                    )
        out[(error.user_id, error.sku_id)] = tuple(found)
    return out
