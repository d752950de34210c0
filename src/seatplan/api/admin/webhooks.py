"""`/admin/webhooks`: endpoints, their delivery log, test events and redeliveries;
`/admin/seatAlerts`: the thresholds of `seats.low` events."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from seatplan.api.admin.bodies import SeatAlertSet, WebhookCreate, WebhookUpdate
from seatplan.api.admin.routes import admin
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.services import webhooks
from seatplan.services.unset import UNSET, Unset
from seatplan.shapes import webhooks as shapes

router = APIRouter(tags=["admin: webhooks"])
EndpointId = Annotated[UUID, Path(description="The webhook endpoint's id.")]


@router.get("/webhooks", **admin("Webhooks"))
def list_endpoints(session: SessionDep) -> list[shapes.Endpoint]:
    """Every endpoint; secrets are shown only when created or rotated."""
    return [shapes.endpoint(row) for row in webhooks.list_endpoints(session)]


# The URL is checked by a dependency resolved before the write transaction opens: checking
# may resolve a name, which must not happen while the transaction holds the write lock.
def _checked_create(body: WebhookCreate) -> tuple[WebhookCreate, webhooks.CheckedUrl]:
    return body, webhooks.check_url(body.url)


def _checked_update(body: WebhookUpdate) -> tuple[WebhookUpdate, webhooks.CheckedUrl | Unset]:
    return body, UNSET if body.url is None else webhooks.check_url(body.url)


@router.post("/webhooks", **admin("Register a webhook endpoint", 201, "Created"))
def create(
    checked: Annotated[tuple[WebhookCreate, webhooks.CheckedUrl], Depends(_checked_create)],
    session: WriteSessionDep,
) -> shapes.CreatedEndpoint:
    """`secret` (to verify signatures) is in this answer only."""
    body, url = checked
    row = webhooks.create(
        session,
        url=url,
        event_types=body.events,
        format_=body.format,
        sku=body.sku,
        group=body.group,
        description=body.description,
    )
    return shapes.created_endpoint(row)


@router.get("/webhooks/{endpoint_id}", **admin("A webhook endpoint"))
def get_endpoint(endpoint_id: EndpointId, session: SessionDep) -> shapes.Endpoint:
    return shapes.endpoint(webhooks.get(session, endpoint_id))


@router.patch("/webhooks/{endpoint_id}", **admin("Change a webhook endpoint"))
def update(
    endpoint_id: EndpointId,
    checked: Annotated[tuple[WebhookUpdate, webhooks.CheckedUrl | Unset], Depends(_checked_update)],
    session: WriteSessionDep,
) -> shapes.Endpoint:
    body, url = checked
    given: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    given["url"] = url
    if "events" in given:
        given["event_types"] = given.pop("events")
    if "format" in given:
        given["format_"] = given.pop("format")
    row = webhooks.update(session, webhooks.get(session, endpoint_id), **given)
    return shapes.endpoint(row)


@router.delete("/webhooks/{endpoint_id}", **admin("Delete a webhook endpoint", 204, "Deleted"))
def delete(endpoint_id: EndpointId, session: WriteSessionDep) -> Response:
    webhooks.delete_endpoint(session, webhooks.get(session, endpoint_id))
    return Response(status_code=204)


@router.post(
    "/webhooks/{endpoint_id}/rotateSecret", **admin("Give a webhook endpoint a new secret")
)
def rotate_secret(endpoint_id: EndpointId, session: WriteSessionDep) -> shapes.Secret:
    """The new secret signs every request from now on; it is shown in this answer only."""
    return {"secret": webhooks.rotate_secret(session, webhooks.get(session, endpoint_id))}


@router.get("/webhooks/{endpoint_id}/deliveries", **admin("A webhook endpoint's delivery log"))
def deliveries(
    endpoint_id: EndpointId,
    session: SessionDep,
    top: Annotated[int, Query(alias="$top", ge=1, le=webhooks.MAX_LOG)] = 50,
    before: Annotated[int | None, Query(description="Only deliveries older than this id.")] = None,
) -> list[shapes.Delivery]:
    """Newest first: status, attempts, the last answer's status and response time."""
    found = webhooks.deliveries(session, webhooks.get(session, endpoint_id), top=top, before=before)
    return [shapes.delivery(row, event) for row, event in found]


@router.post("/webhooks/{endpoint_id}/test", **admin("Send a test event", 202, "Queued"))
def send_test(endpoint_id: EndpointId, session: WriteSessionDep) -> shapes.Delivery:
    """A `webhook.test` event for this endpoint alone, sent by a worker within seconds."""
    row, event = webhooks.send_test(session, webhooks.get(session, endpoint_id))
    return shapes.delivery(row, event)


@router.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    **admin("Send a delivery's event again", 202, "Queued"),
)
def redeliver(
    endpoint_id: EndpointId,
    delivery_id: Annotated[int, Path(description="The delivery's id.")],
    session: WriteSessionDep,
) -> shapes.Delivery:
    """A new delivery of the same event (same `webhook-id`), after those already queued."""
    row, event = webhooks.redeliver(session, webhooks.get(session, endpoint_id), delivery_id)
    return shapes.delivery(row, event)


SkuRef = Annotated[str, Path(description="The product's skuId or skuPartNumber.", max_length=256)]


@router.get("/seatAlerts", **admin("Seat alerts"))
def seat_alerts(session: SessionDep) -> list[shapes.SeatAlertShape]:
    return [shapes.seat_alert(row, part) for row, part in webhooks.seat_alerts(session)]


@router.put("/seatAlerts/{sku}", **admin("Set a product's seat alert"))
def set_seat_alert(
    sku: SkuRef, body: SeatAlertSet, session: WriteSessionDep
) -> shapes.SeatAlertShape:
    """A `seats.low` event when the product's available seats fall under `below`."""
    row, part = webhooks.set_seat_alert(session, sku=sku, below=body.below)
    return shapes.seat_alert(row, part)


@router.delete("/seatAlerts/{sku}", **admin("Remove a product's seat alert", 204, "Deleted"))
def clear_seat_alert(sku: SkuRef, session: WriteSessionDep) -> Response:
    webhooks.clear_seat_alert(session, sku=sku)
    return Response(status_code=204)
