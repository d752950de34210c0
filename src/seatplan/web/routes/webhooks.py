"""Webhooks in the portal: endpoints (the secret shown once), each one's delivery log with
"Send a test event" and "Redeliver", and the seat alerts. Everyone signed in sees them;
a Global Administrator changes them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import webhooks
from seatplan.services.errors import ServiceError
from seatplan.services.events import EVERY_TYPE
from seatplan.shapes import webhooks as shapes
from seatplan.web.auth import CurrentAdmin, DatabaseDep, WebhooksForm
from seatplan.web.confirm import Confirmation, confirm_page, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import text, uuid_of
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _list_page(
    request: Request,
    db: DatabaseDep,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    created: shapes.CreatedEndpoint | None = None,
) -> Response:
    with db.reading() as session:
        endpoints = [shapes.endpoint(row) for row in webhooks.list_endpoints(session)]
        alerts = [shapes.seat_alert(row, part) for row, part in webhooks.seat_alerts(session)]
    return render(
        request,
        "webhooks.html",
        status=400 if errors else 200,
        endpoints=endpoints,
        alerts=alerts,
        event_types=webhooks.SUBSCRIBABLE,
        formats=webhooks.FORMATS,
        created=created,
        errors=errors,
        typed=typed,
    )


@router.get("/webhooks")
def webhook_list(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _list_page(request, db)


@router.post("/webhooks")
def add_webhook(request: Request, form: WebhooksForm, db: DatabaseDep) -> Response:
    typed = {name: text(form, name, limit=2048) for name in ("url", "format", "sku", "group")}
    chosen = [str(value) for value in form.getlist("events")] or [EVERY_TYPE]
    made: list[shapes.CreatedEndpoint] = []
    try:  # before the transaction: checking may resolve a name
        url = webhooks.check_url(typed["url"])
    except ServiceError as refused:
        return _list_page(request, db, errors={"new": refused.message}, typed=typed)
    message = attempt(
        request,
        db,
        lambda s: made.append(
            shapes.created_endpoint(
                webhooks.create(
                    s,
                    url=url,
                    event_types=chosen,
                    format_=typed["format"] or webhooks.STANDARD,
                    sku=typed["sku"] or None,
                    group=typed["group"] or None,
                )
            )
        ),
    )
    if message:
        return _list_page(request, db, errors={"new": message}, typed=typed)
    # Not a redirect: the secret is shown on this answer only.
    return _list_page(request, db, created=made[0])


@router.post("/webhooks/seat-alert")
def set_seat_alert(request: Request, form: WebhooksForm, db: DatabaseDep) -> Response:
    sku, below = text(form, "sku"), text(form, "below", limit=12)
    if below:
        number = int(below) if below.isdigit() else 0
        message = attempt(request, db, lambda s: webhooks.set_seat_alert(s, sku=sku, below=number))
    else:
        message = attempt(request, db, lambda s: webhooks.clear_seat_alert(s, sku=sku))
    if message:
        return _list_page(request, db, errors={"alert": message}, typed={"sku": sku})
    return redirect("/webhooks", "seat-alert")


def _endpoint_page(
    request: Request, db: DatabaseDep, endpoint_id: UUID, *, error: str | None = None
) -> Response:
    with db.reading() as session:
        row = webhooks.get(session, endpoint_id)
        endpoint = shapes.endpoint(row)
        log = [shapes.delivery(d, e) for d, e in webhooks.deliveries(session, row, top=100)]
    return render(
        request,
        "webhook.html",
        status=400 if error else 200,
        endpoint=endpoint,
        log=log,
        errors={"endpoint": error} if error else None,
    )


@router.get("/webhooks/{endpoint_id}")
def webhook_page(
    request: Request, endpoint_id: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    return _endpoint_page(request, db, uuid_of(endpoint_id))


@router.get("/webhooks/{endpoint_id}/delete")
def confirm_delete_webhook(
    request: Request, endpoint_id: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_manage_admins)
    found = uuid_of(endpoint_id)
    with db.reading() as session:
        url = webhooks.get(session, found).url
    return confirm_page(
        request,
        Confirmation(
            title=f"Delete the webhook endpoint {url}?",
            action=request.url.path,
            button="Delete the endpoint",
            back=f"/webhooks/{found}",
            facts=("No event is sent to it any more; its delivery log is deleted with it.",),
            section="webhooks",
        ),
    )


@router.post("/webhooks/{endpoint_id}/{action}")
def webhook_action(
    request: Request, endpoint_id: str, action: str, form: WebhooksForm, db: DatabaseDep
) -> Response:
    """test, redeliver (a delivery id), enable, disable, delete."""
    found = uuid_of(endpoint_id)
    delivery = text(form, "delivery", limit=20)
    changes = {
        "test": (lambda s: webhooks.send_test(s, webhooks.get(s, found)), "webhook-test"),
        "redeliver": (
            lambda s: webhooks.redeliver(
                s, webhooks.get(s, found), int(delivery) if delivery.isdigit() else 0
            ),
            "webhook-redeliver",
        ),
        "enable": (lambda s: webhooks.update(s, webhooks.get(s, found), enabled=True), None),
        "disable": (lambda s: webhooks.update(s, webhooks.get(s, found), enabled=False), None),
        "delete": (lambda s: webhooks.delete_endpoint(s, webhooks.get(s, found)), None),
    }
    if action not in changes:
        return _endpoint_page(request, db, found, error="Unknown action.")
    change, done = changes[action]
    message = attempt(request, db, change)
    if message:
        return _endpoint_page(request, db, found, error=message)
    if action == "delete":
        return redirect("/webhooks", "webhook-deleted")
    return redirect(f"/webhooks/{found}", done or "webhook-saved")
