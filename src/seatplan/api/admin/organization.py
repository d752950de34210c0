"""`/admin/organization` settings and `/admin/groups/{id}/reprocess`."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from starlette.responses import JSONResponse

from seatplan.api.admin.bodies import OrganizationUpdate
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.api.graph.common import require, responses
from seatplan.services import licenses, lookup
from seatplan.services import organization as org_service
from seatplan.services.tokens import ADMIN
from seatplan.shapes import admin as shapes

router = APIRouter(tags=["admin: organization"])


@router.get(
    "/organization", dependencies=[require(ADMIN)], responses=responses(), summary="Settings"
)
def get_organization(session: SessionDep) -> shapes.OrganizationSettings:
    return shapes.organization_settings(org_service.get(session))


@router.patch(
    "/organization",
    dependencies=[require(ADMIN)],
    responses=responses(),
    summary="Change the settings",
)
def update_organization(
    body: OrganizationUpdate, session: WriteSessionDep
) -> shapes.OrganizationSettings:
    """Name, country, default usage location, automatic seat offer, licenses through
    nested groups; the users a change affects are evaluated again."""
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("display_name", "auto_offer_seats", "license_nested_groups"):
        if name in changes and changes[name] is None:
            del changes[name]
    return shapes.organization_settings(org_service.update(session, **changes))


@router.post(
    "/groups/{group_id}/reprocess",
    status_code=202,
    dependencies=[require(ADMIN)],
    responses=responses(shapes.Reprocess, 202, "Queued"),
    tags=["admin: groups"],
    summary="Evaluate every member of a group again",
)
def reprocess_group(
    group_id: Annotated[UUID, Path(description="The group's id.")], session: WriteSessionDep
) -> JSONResponse:
    group = lookup.group(session, group_id)
    licenses.reprocess_group(session, group=group)
    session.flush()
    session.refresh(group)
    return JSONResponse(shapes.reprocess(group), status_code=202)
