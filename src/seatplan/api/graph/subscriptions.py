"""`/v1.0/subscriptions`: Graph's change notifications for users, groups and a group's
members (create, list, get, renew, delete).

Creating one first validates its notificationUrl with Graph's handshake (a POST with
`?validationToken=…` that must answer 200 with the token as plain text within 10 s),
before any write transaction begins: no lock is held while the receiver answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import AwareDatetime, Field, StrictBool, StringConstraints
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from seatplan.api.answers import collection, selectable
from seatplan.api.deps import DatabaseDep, SessionDep, WriteSessionDep
from seatplan.api.errors import DENIED, GraphError
from seatplan.api.graph import listing
from seatplan.api.graph.bodies import Body, LongText, NotNull
from seatplan.api.graph.common import GROUP_READ, USER_READ, require, responses
from seatplan.processing import delivery
from seatplan.services import audit, transaction
from seatplan.services import graph_subscriptions as service
from seatplan.services.errors import NotFound
from seatplan.services.tokens import ADMIN, Principal
from seatplan.settings import get_settings
from seatplan.shapes.subscriptions import Subscription, subscription
from seatplan.store import deadline
from seatplan.store.tables import GraphSubscription

router = APIRouter(tags=["subscriptions"])
SubscriptionId = Annotated[str, Path(description="The subscription's id.", max_length=64)]
READ_ANY = require(USER_READ, GROUP_READ)
NOT_FOUND = "ResourceNotFound"


class SubscriptionCreate(Body):
    change_type: Annotated[str, StringConstraints(max_length=64)]
    notification_url: LongText
    resource: Annotated[str, StringConstraints(max_length=256)]
    expiration_date_time: AwareDatetime
    client_state: Annotated[str, StringConstraints(max_length=128)] | None = None
    lifecycle_notification_url: LongText | None = None
    latest_supported_tls_version: Annotated[str, StringConstraints(max_length=8)] | None = None
    include_resource_data: StrictBool | None = None
    encryption_certificate: LongText | None = None
    encryption_certificate_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    notification_url_app_id: Annotated[str, StringConstraints(max_length=128)] | None = None


class SubscriptionRenew(Body):
    """Only the expiration changes (a renewal)."""

    expiration_date_time: Annotated[AwareDatetime | None, NotNull] = Field(default=None)


def _fail(error: service.SubscriptionError) -> GraphError:
    return GraphError(404 if error.code == NOT_FOUND else 400, error.code, error.message)


def _allowed(caller: Principal, resource: str) -> None:
    """Graph asks for the resource's read permission: users or groups."""
    needed = USER_READ if resource.strip().strip("/").lower().startswith("users") else GROUP_READ
    if not caller.allows([needed]):
        raise GraphError(
            403,
            DENIED,
            f"Insufficient privileges to complete the operation. Requires one of: {needed}.",
        )


def _creator_seen_by(request: Request) -> str | None:
    """As Graph: an app sees the subscriptions it created; an administrator's token
    (Graph: Subscription.Read.All by an admin) sees every one."""
    caller: Principal = request.state.principal
    return None if caller.allows([ADMIN]) else caller.token_id


def _get(request: Request, session: Session, subscription_id: str) -> GraphSubscription:
    try:
        return service.get(session, subscription_id, creator=_creator_seen_by(request))
    except NotFound as error:
        raise GraphError(
            404, NOT_FOUND, f"The object was not found: subscription '{subscription_id}'."
        ) from error


@router.post(
    "/subscriptions",
    status_code=201,
    dependencies=[READ_ANY],
    responses=responses(selectable(Subscription), 201, "Created"),
    summary="Create a subscription",
)
def create_subscription(
    request: Request, body: SubscriptionCreate, database: DatabaseDep
) -> JSONResponse:
    """Validates `notificationUrl` with Graph's `validationToken` handshake first."""
    caller: Principal = request.state.principal
    _allowed(caller, body.resource)
    if body.include_resource_data:
        raise GraphError(
            400, "InvalidRequest", "includeResourceData is not supported for this resource."
        )
    settings = get_settings()
    with database.reading() as session:  # cheap checks before the receiver is called
        try:
            service.parse_resource(session, body.resource)
            service.parse_change_types(body.change_type)
            service.check_expiration(body.expiration_date_time)
        except service.SubscriptionError as error:
            raise _fail(error) from error
    for url in filter(None, (body.notification_url, body.lifecycle_notification_url)):
        failed = delivery.validate_notification_url(
            url, allow_private=settings.webhook_allow_private
        )
        if failed is not None:
            raise GraphError(400, "InvalidRequest", failed)
    # The receiver's time (up to 10 s) is not the statements' to lose: a fresh time limit.
    limit = request.app.state.settings.statement_timeout_seconds
    with deadline.time_limit(limit), transaction.writing(database) as session:
        audit.act_as(session, audit.Actor("app", caller.name, caller.token_id))
        try:
            row = service.create(
                session,
                resource=body.resource,
                change_type=body.change_type,
                notification_url=body.notification_url,
                expiration=body.expiration_date_time,
                client_state=body.client_state,
                creator=caller.token_id,
                lifecycle_notification_url=body.lifecycle_notification_url,
                latest_supported_tls_version=body.latest_supported_tls_version,
            )
        except service.SubscriptionError as error:
            raise _fail(error) from error
        item = subscription(row)
    return listing.entity(request, "subscriptions/$entity", dict(item), status=201)


@router.get(
    "/subscriptions",
    dependencies=[READ_ANY],
    responses=responses(collection(Subscription)),
    summary="List subscriptions",
)
def list_subscriptions(request: Request, session: SessionDep) -> JSONResponse:
    items = [
        dict(subscription(row))
        for row in service.list_active(session, creator=_creator_seen_by(request))
    ]
    return JSONResponse(
        {"@odata.context": listing.context_url(request, "subscriptions"), "value": items}
    )


@router.get(
    "/subscriptions/{subscription_id}",
    dependencies=[READ_ANY],
    responses=responses(selectable(Subscription)),
    summary="Get a subscription",
)
def get_subscription(
    request: Request, subscription_id: SubscriptionId, session: SessionDep
) -> JSONResponse:
    item = subscription(_get(request, session, subscription_id))
    return listing.entity(request, "subscriptions/$entity", dict(item))


@router.patch(
    "/subscriptions/{subscription_id}",
    dependencies=[READ_ANY],
    responses=responses(selectable(Subscription)),
    summary="Renew a subscription",
)
def renew_subscription(
    request: Request,
    subscription_id: SubscriptionId,
    body: SubscriptionRenew,
    session: WriteSessionDep,
) -> JSONResponse:
    row = _get(request, session, subscription_id)
    if body.expiration_date_time is not None:
        try:
            service.renew(session, row, expiration=body.expiration_date_time)
        except service.SubscriptionError as error:
            raise _fail(error) from error
    return listing.entity(request, "subscriptions/$entity", dict(subscription(row)))


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    response_class=Response,
    dependencies=[READ_ANY],
    responses=responses(status=204, description="Deleted"),
    summary="Delete a subscription",
)
def delete_subscription(
    request: Request, subscription_id: SubscriptionId, session: WriteSessionDep
) -> Response:
    service.delete_subscription(session, _get(request, session, subscription_id))
    return Response(status_code=204)
