"""The page that chooses a product's plans: for a group's product and a user's direct license.

Both pages show the same form; they differ in whose page it is and where it posts.
"""

from __future__ import annotations

from collections.abc import Set
from uuid import UUID

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.processing.simulation import Simulation
from seatplan.services import reports
from seatplan.web.render import render


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
) -> Response:
    """The form posting to `action`; `current` is the disabled plans of what is assigned
    (None when nothing is: no Remove button). `enabled` is what the administrator ticked.
    With `can_preview`, a Preview button posts to `{action}/preview`, whose answer is
    `preview`."""
    plans = reports.product_plans(session, sku_id=sku_id)
    product = next((p for p in reports.products(session) if p.sku_id == sku_id), None)
    if enabled is None:
        disabled = current or frozenset()
        enabled = {p.id for p in plans if p.id not in disabled}
    return render(
        request,
        "plans.html",
        status=400 if error else 200,
        subject=subject,
        back=back,
        action=action,
        remove_action=f"{action}/remove" if current is not None else None,
        preview_action=f"{action}/preview" if can_preview else None,
        preview=preview,
        product=product,
        plans=plans,
        enabled=enabled,
        errors={"plans": error} if error else {},
    )


def disabled_plans(session: Session, sku_id: UUID, enabled: Set[UUID]) -> frozenset[UUID]:
    """The product's plans the administrator did not tick."""
    return frozenset(
        p.id for p in reports.product_plans(session, sku_id=sku_id) if p.id not in enabled
    )
