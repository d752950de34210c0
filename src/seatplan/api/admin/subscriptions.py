"""`/admin/subscriptions`: buy (create), change units, delete."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session
from starlette.responses import Response

from seatplan.api.admin.bodies import SubscriptionCreate, SubscriptionUpdate
from seatplan.api.admin.routes import admin
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.services import catalog, subscriptions
from seatplan.shapes import admin as shapes
from seatplan.store.tables import Subscription

router = APIRouter(prefix="/subscriptions", tags=["admin: subscriptions"])
SubscriptionId = Annotated[UUID, Path(description="The subscription's id.")]


def _shape(session: Session, sub: Subscription) -> shapes.Subscription:
    return shapes.subscription(sub, catalog.find_product(session, sub.sku_id).sku_part_number)


@router.get("", **admin("Subscriptions"))
def list_subscriptions(session: SessionDep) -> list[shapes.Subscription]:
    return [_shape(session, sub) for sub in subscriptions.list_subscriptions(session)]


@router.post("", **admin("Create a subscription", 201, "Created"))
def create(body: SubscriptionCreate, session: WriteSessionDep) -> shapes.Subscription:
    """New seats are offered to users waiting for one (if the organization says so)."""
    sub = subscriptions.create(session, sku=body.sku, units=body.enabled_units)
    return _shape(session, sub)


@router.patch("/{subscription_id}", **admin("Change a subscription's units"))
def update(
    subscription_id: SubscriptionId, body: SubscriptionUpdate, session: WriteSessionDep
) -> shapes.Subscription:
    """Lowering units never takes a working license away."""
    sub = subscriptions.get(session, subscription_id)
    sub = subscriptions.set_units(
        session, sku=sub.sku_id, units=body.enabled_units, subscription_id=sub.id
    )
    return _shape(session, sub)


@router.delete("/{subscription_id}", **admin("Delete a subscription", 204, "Deleted"))
def delete(subscription_id: SubscriptionId, session: WriteSessionDep) -> Response:
    subscriptions.delete_subscription(session, subscription_id=subscription_id)
    return Response(status_code=204)
