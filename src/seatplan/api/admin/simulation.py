"""`/admin/groups/{id}/simulateAssignLicense`: what a change to a group's products would do."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from seatplan.api.deps import DatabaseDep
from seatplan.api.graph.bodies import AssignLicense
from seatplan.api.graph.common import require, responses
from seatplan.processing import simulation
from seatplan.services import lookup
from seatplan.services.tokens import ADMIN
from seatplan.settings import Settings
from seatplan.shapes import admin as shapes

router = APIRouter(tags=["admin: groups"])


@router.post(
    "/groups/{group_id}/simulateAssignLicense",
    dependencies=[require(ADMIN)],
    responses=responses(),
    summary="Preview a group's assignLicense without changing anything",
)
def simulate_assign_license(
    request: Request,
    group_id: Annotated[UUID, Path(description="The group's id.")],
    body: AssignLicense,
    database: DatabaseDep,
) -> shapes.Simulation:
    """The body is Graph's `assignLicense`. It is checked as the real call would check it
    (same errors), and the members it would queue are evaluated as the worker would
    evaluate them next. Nothing is written: it runs in a read snapshot, so no writer
    waits for it."""
    settings: Settings = request.app.state.settings
    with database.snapshot() as session:
        result = simulation.simulate_group_change(
            session,
            group=lookup.group(session, group_id),
            add={item.sku_id: frozenset(item.disabled_plans) for item in body.add_licenses},
            remove=body.remove_licenses,
            batch_size=settings.batch_size,
        )
    return shapes.simulation(result)
