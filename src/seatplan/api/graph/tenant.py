"""`/v1.0/organization`, `/v1.0/subscribedSkus` and `/v1.0/auditLogs/directoryAudits`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from seatplan.api import odata
from seatplan.api.answers import collection, selectable
from seatplan.api.deps import SecretDep, SessionDep
from seatplan.api.errors import GraphError
from seatplan.api.graph import listing
from seatplan.api.graph.common import (
    AUDIT_READ,
    LICENSE_WRITE,
    ORG_READ,
    project,
    require,
    responses,
)
from seatplan.services import directory, lookup
from seatplan.services import organization as org_service
from seatplan.services.errors import NotFound
from seatplan.shapes import tenant as shapes

router = APIRouter()
SkuPath = Annotated[str, Path(description="`{organizationId}_{skuId}`.", max_length=128)]


@router.get(
    "/organization",
    tags=["organization"],
    dependencies=[require(ORG_READ)],
    responses=responses(collection(shapes.Organization)),
    summary="The organization (a collection of one)",
)
def organization(request: Request, session: SessionDep) -> JSONResponse:
    listing.no_options(request)
    org = org_service.get(session)
    context = listing.context_url(request, "organization")
    return JSONResponse({"@odata.context": context, "value": [shapes.organization(org)]})


def _skus(
    session: Session, rows: Sequence[Any], select: Sequence[str] | None
) -> list[dict[str, Any]]:
    org = org_service.get(session)
    totals = directory.sku_totals(session, [row.sku_id for row in rows])
    catalog = directory.current_catalog(session)
    subscriptions = directory.subscription_ids(session, [row.sku_id for row in rows])
    items = [
        shapes.subscribed_sku(
            org, row, totals[row.sku_id], catalog, subscriptions.get(row.sku_id, [])
        )
        for row in rows
    ]
    return [project(item, select, list(item)) for item in items]


@router.get(
    "/subscribedSkus",
    tags=["subscribedSkus"],
    dependencies=[require(ORG_READ, LICENSE_WRITE)],
    responses=responses(collection(selectable(shapes.SubscribedSku))),
    summary="The products the organization subscribes to",
)
def subscribed_skus(request: Request, session: SessionDep, secret: SecretDep) -> JSONResponse:
    return listing.page(
        session,
        request,
        spec=odata.SUBSCRIBED_SKUS,
        statement=directory.subscribed_products(),
        secret=secret,
        context="subscribedSkus",
        shape=lambda rows, select: _skus(session, rows, select),
    )


@router.get(
    "/subscribedSkus/{sku_id}",
    tags=["subscribedSkus"],
    dependencies=[require(ORG_READ, LICENSE_WRITE)],
    responses=responses(selectable(shapes.SubscribedSku)),
    summary="One subscribed product",
)
def subscribed_sku(request: Request, sku_id: SkuPath, session: SessionDep) -> JSONResponse:
    select = listing.select_only(request, odata.SUBSCRIBED_SKUS)
    org = org_service.get(session)
    org_part, _, sku_part = sku_id.rpartition("_")
    sku = lookup.as_uuid(sku_part)
    if sku is None or (org_part and org_part.lower() != str(org.id)):
        raise NotFound("SubscribedSku", sku_id)
    product = directory.subscribed_product(session, sku)
    if product is None:
        raise NotFound("SubscribedSku", sku_id)
    context = f"{listing.with_select('subscribedSkus', select)}/$entity"
    return listing.entity(request, context, _skus(session, [product], select)[0])


#: Entra's reporting service answers a `$filter` it refuses this way, not as directory
#: objects do (Request_UnsupportedQuery).
INVALID_FILTER = "BadRequest"
AuditPath = Annotated[str, Path(description="The event's id (a GUID).", max_length=64)]


def _check_audit_filter(request: Request) -> None:
    """A refused `$filter` answers 400 BadRequest `Invalid filter clause: …`, as Entra."""
    for name, value in request.query_params.multi_items():
        if name.lower() == "$filter":
            try:
                odata.parse_query({"$filter": value}, odata.DIRECTORY_AUDITS)
            except odata.UnsupportedQuery as refused:
                raise GraphError(
                    400, INVALID_FILTER, f"Invalid filter clause: {refused.message}"
                ) from refused


def _audits(rows: Sequence[Any], select: Sequence[str] | None) -> list[dict[str, Any]]:
    return [project(item, select, list(item)) for item in map(shapes.directory_audit, rows)]


@router.get(
    "/auditLogs/directoryAudits",
    tags=["auditLogs"],
    dependencies=[require(AUDIT_READ)],
    responses=responses(collection(selectable(shapes.DirectoryAudit))),
    summary="Audit events, newest first",
)
def directory_audits(request: Request, session: SessionDep, secret: SecretDep) -> JSONResponse:
    """`$filter` as Graph lists it (docs/api.md), `$orderby=activityDateTime`; newest first."""
    _check_audit_filter(request)
    return listing.page(
        session,
        request,
        spec=odata.DIRECTORY_AUDITS,
        statement=directory.audit_events(),
        secret=secret,
        context="auditLogs/directoryAudits",
        shape=lambda rows, select: _audits(rows, select),
    )


@router.get(
    "/auditLogs/directoryAudits/{audit_id}",
    tags=["auditLogs"],
    dependencies=[require(AUDIT_READ)],
    responses=responses(selectable(shapes.DirectoryAudit)),
    summary="One audit event",
)
def directory_audit(request: Request, audit_id: AuditPath, session: SessionDep) -> JSONResponse:
    select = listing.select_only(request, odata.DIRECTORY_AUDITS)
    event_id = lookup.as_uuid(audit_id)
    row = None if event_id is None else directory.audit_event(session, event_id)
    if row is None:
        raise NotFound("directoryAudit", audit_id)
    context = f"{listing.with_select('auditLogs/directoryAudits', select)}/$entity"
    return listing.entity(request, context, _audits([row], select)[0])
