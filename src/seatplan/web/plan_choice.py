"""The page that chooses a product's plans: for a group's product and a user's direct license.

Both pages show the same form; they differ in whose page it is and where it posts.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.catalog import ServicePlan
from seatplan.processing.simulation import Simulation
from seatplan.services import catalog as catalog_service
from seatplan.services import reports
from seatplan.web.render import render


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """A plan as the page shows it: friendly name first, and what it cannot be with."""

    plan: ServicePlan
    label: str
    #: The exclusive set (at most one of its plans per user) the plan belongs to, if any.
    exclusive_set: str | None
    #: Plans the subject already has elsewhere that this one conflicts with (by label).
    conflicts: tuple[str, ...]


def plan_choices(
    session: Session, sku_id: UUID, others: Set[UUID] = frozenset()
) -> list[PlanChoice]:
    """The product's plans sorted by friendly name; `others` are plans the subject has
    enabled from other products, so that the plans they exclude are marked."""
    catalog = catalog_service.current(session).catalog

    def label(plan_id: UUID) -> str:
        plan = catalog.plan(plan_id)
        return (plan.friendly_name or plan.name) if plan else str(plan_id)

    choices = []
    for plan in reports.product_plans(session, sku_id=sku_id):
        sets = [s for s in catalog.exclusive_sets if plan.id in s.plan_ids]
        clashing = sorted(
            {label(o) for s in sets for o in s.plan_ids & others if o != plan.id}, key=str.casefold
        )
        choices.append(
            PlanChoice(
                plan,
                plan.friendly_name or plan.name,
                ", ".join(s.name for s in sets) or None,
                tuple(clashing),
            )
        )
    return sorted(choices, key=lambda c: (c.label.casefold(), c.plan.name.casefold()))


def render_plan_choice(
    request: Request,
    session: Session,
    *,
    sku_id: UUID,
    subject: str,
    back: str,
    action: str,
    current: frozenset[UUID] | None,
    enabled: set[UUID] | None,
    error: str | None,
    preview: Simulation | None = None,
    can_preview: bool = False,
    others: Set[UUID] = frozenset(),
) -> Response:
    """The form posting to `action`; `current` is the disabled plans of what is assigned
    (None when nothing is: no Remove button). `enabled` is what the administrator ticked.
    With `can_preview`, a Preview button posts to `{action}/preview`, whose answer is
    `preview`. `others`: the plans the subject has enabled from other products (their
    conflicts are marked)."""
    choices = plan_choices(session, sku_id, others)
    plans = [c.plan for c in choices]
    product = next((p for p in reports.products(session) if p.sku_id == sku_id), None)
    if enabled is None:
        disabled = current or frozenset()
        enabled = {p.id for p in plans if p.id not in disabled}
    # The page belongs to the group's or the user's section, under its list.
    section = "groups" if back.startswith("/groups") else "users"
    return render(
        request,
        "plans.html",
        status=400 if error else 200,
        section=section,
        section_list=("/groups", "Groups") if section == "groups" else ("/users", "Users"),
        subject=subject,
        back=back,
        action=action,
        remove_action=f"{action}/remove" if current is not None else None,
        preview_action=f"{action}/preview" if can_preview else None,
        preview=preview,
        product=product,
        plans=plans,
        choices=choices,
        enabled=enabled,
        errors={"plans": error} if error else {},
    )


def enabled_elsewhere(
    session: Session, assigned: list[tuple[UUID, frozenset[UUID]]], sku_id: UUID
) -> frozenset[UUID]:
    """The plans enabled by `assigned` (product, its disabled plans) but `sku_id`."""
    catalog = catalog_service.current(session).catalog
    found: set[UUID] = set()
    for other, disabled in assigned:
        product = catalog.product(other)
        if other != sku_id and product is not None:
            found |= set(product.plan_ids) - disabled
    return frozenset(found)


def disabled_plans(session: Session, sku_id: UUID, enabled: Set[UUID]) -> frozenset[UUID]:
    """The product's plans the administrator did not tick."""
    return frozenset(
        p.id for p in reports.product_plans(session, sku_id=sku_id) if p.id not in enabled
    )
