"""`/admin/subscriptions`: buy (create), change units, delete."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session
from starlette.responses import Response

from seatplan.api.admin import models
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.api.graph.common import require, responses
from seatplan.services import catalog, subscriptions
from seatplan.services.tokens import ADMIN
from seatplan.store.tables import Subscription

router = APIRouter(prefix="/subscriptions", tags=["admin: subscriptions"])
SubscriptionId = Annotated[UUID, Path(description="The subscription's id.")]


def _model(session: Session, sub: Subscription) -> models.Subscription:
    product = catalog.find_product(session, sub.sku_id)
    return models.Subscription(
        id=sub.id,
        sku_id=sub.sku_id,
        sku_part_number=product.sku_part_number,
        enabled_units=sub.enabled_units,
        suspended_units=sub.suspended_units,
        warning_units=sub.warning_units,
        locked_out_units=sub.locked_out_units,
        status=sub.status,
        created_date_time=sub.created,
    )


@router.get("", dependencies=[require(ADMIN)], responses=responses(), summary="Subscriptions")
def list_subscriptions(session: SessionDep) -> list[models.Subscription]:
    return [_model(session, sub) for sub in subscriptions.list_subscriptions(session)]


@router.post(
    "",
    status_code=201,
    dependencies=[require(ADMIN)],
    responses=responses(status=201, description="Created"),
    summary="Create a subscription",
)
def create(body: models.SubscriptionCreate, session: WriteSessionDep) -> models.Subscription:
    """New seats are offered to users waiting for one (if the organization says so)."""
    sub = subscriptions.create(session, sku=body.sku, units=body.enabled_units)
    return _model(session, sub)


@router.patch(
    "/{subscription_id}",
    dependencies=[require(ADMIN)],
    responses=responses(),
    summary="Change a subscription's units",
)
def update(
    subscription_id: SubscriptionId, body: models.SubscriptionUpdate, session: WriteSessionDep
) -> models.Subscription:
    """Lowering units never takes a working license away."""
    sub = subscriptions.get(session, subscription_id)
    sub = subscriptions.set_units(
        session, sku=sub.sku_id, units=body.enabled_units, subscription_id=sub.id
    )
    return _model(session, sub)


@router.delete(
    "/{subscription_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(ADMIN)],
    responses=responses(status=204, description="Deleted"),
    summary="Delete a subscription",
)
def delete(subscription_id: SubscriptionId, session: WriteSessionDep) -> Response:
    subscriptions.delete_subscription(session, subscription_id=subscription_id)
    return Response(status_code=204)
