"""Users: search, a user's page (usage location, licenses by source), direct licenses."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import catalog, licenses, lookup, queue, reports, users
from seatplan.services.reports.paged import users_page
from seatplan.web import listing
from seatplan.web.auth import ChangeForm, CurrentAdmin, DatabaseDep
from seatplan.web.confirm import Confirmation, confirm_page, licensing_preview, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import PAGE_SIZE, enabled_plans, text, uuid_of
from seatplan.web.plan_choice import disabled_plans, enabled_elsewhere, render_plan_choice
from seatplan.web.render import notice_of, redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/users")
def user_list(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    found = listing.read_listing(request.query_params, listing.USERS)
    with db.reading() as session:
        page = users_page(
            session,
            search=None,
            filters=found.user_filter(),
            order=found.order,
            offset=found.offset,
            limit=PAGE_SIZE,
        )
        skus = reports.sku_summaries(session)
    return render(
        request,
        "users.html",
        users=page,
        search=found.get("search"),
        listing=found,
        skus=skus,
        kinds=listing.ERROR_KINDS,
    )


def _user_page(
    request: Request,
    db: DatabaseDep,
    user_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    with db.reading() as session:
        user = reports.user_detail(session, user_id=user_id)
        skus = reports.sku_summaries(session)
        busy = queue.is_queued(session, user_id)
    return render(
        request,
        "user.html",
        busy=busy,
        done=request.query_params.get("done", ""),
        notice=notice_of(request, busy=busy),
        status=400 if errors else 200,
        user=user,
        skus=skus,
        errors=errors,
        typed=typed,
    )


@router.get("/users/{user}")
def user_page(request: Request, user: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _user_page(request, db, uuid_of(user))


@router.get("/users/{user}/live")
def user_live(request: Request, user: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The user's licenses while the user is queued (htmx polls them until evaluated)."""
    user_id = uuid_of(user)
    with db.reading() as session:
        found = reports.user_detail(session, user_id=user_id)
        busy = queue.is_queued(session, user_id)
    return render(
        request,
        "user_live.html",
        user=found,
        busy=busy,
        done=request.query_params.get("done", ""),
        finished=None if busy else notice_of(request, busy=False),
    )


@router.post("/users/{user}/location")
def set_location(request: Request, user: str, form: ChangeForm, db: DatabaseDep) -> Response:
    user_id, location = uuid_of(user), text(form, "usage_location", limit=64)
    message = attempt(
        request,
        db,
        lambda s: users.update(s, user=lookup.user(s, user_id), usage_location=location or None),
    )
    if message:
        return _user_page(
            request,
            db,
            user_id,
            errors={"usage_location": message},
            typed={"usage_location": location},
        )
    return redirect(f"/users/{user_id}#location", "location")


def _plans_page(
    request: Request,
    db: DatabaseDep,
    user_id: UUID,
    sku_id: UUID,
    *,
    enabled: set[UUID] | None = None,
    error: str | None = None,
) -> Response:
    with db.reading() as session:
        user = reports.user_detail(session, user_id=user_id)
        current = next((v for v in user.licenses if v.group is None and v.sku_id == sku_id), None)
        others = enabled_elsewhere(
            session, [(v.sku_id, v.disabled_plans) for v in user.licenses], sku_id
        )
        return render_plan_choice(
            request,
            session,
            sku_id=sku_id,
            subject=user.display_name,
            back=f"/users/{user_id}",
            action=f"/users/{user_id}/licenses",
            current=current.disabled_plans if current else None,
            enabled=enabled,
            error=error,
            others=others,
        )


@router.get("/users/{user}/licenses")
def direct_license(request: Request, user: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    user_id = uuid_of(user)
    sku = lookup.as_uuid(text(request.query_params, "sku"))
    if sku is None:
        return _user_page(request, db, user_id, errors={"sku": "Choose a product."})
    return _plans_page(request, db, user_id, sku)


@router.post("/users/{user}/licenses")
def save_direct_license(request: Request, user: str, form: ChangeForm, db: DatabaseDep) -> Response:
    user_id, sku_id = uuid_of(user), uuid_of(text(form, "sku"))
    enabled = enabled_plans(form)

    def change(session: Session) -> None:
        disabled = disabled_plans(session, sku_id, enabled)
        target = lookup.user(session, user_id)
        licenses.assign_to_user(session, user=target, add={sku_id: disabled}, remove=[])

    message = attempt(request, db, change)
    if message:
        return _plans_page(request, db, user_id, sku_id, enabled=enabled, error=message)
    return redirect(f"/users/{user_id}#direct", "license")


@router.get("/users/{user}/licenses/remove")
def confirm_remove_direct_license(
    request: Request, user: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_change)
    user_id, sku_id = uuid_of(user), uuid_of(text(request.query_params, "sku"))
    with db.reading() as session:
        who = lookup.user(session, user_id).user_principal_name
        product = catalog.find_product(session, sku_id).sku_part_number
    preview = licensing_preview(
        request,
        db,
        lambda s: licenses.assign_to_user(s, user=lookup.user(s, user_id), add={}, remove=[sku_id]),
        subjects=[user_id],
    )
    return confirm_page(
        request,
        Confirmation(
            title=f"Remove the direct {product} license of {who}?",
            action=request.url.path,
            button=f"Remove {product}",
            back=f"/users/{user_id}#direct",
            fields={"sku": str(sku_id)},
            facts=(f"Licenses {who} gets from groups stay.",),
            preview=preview,
            section="users",
        ),
    )


@router.post("/users/{user}/licenses/remove")
def remove_direct_license(
    request: Request, user: str, form: ChangeForm, db: DatabaseDep
) -> Response:
    user_id, sku_id = uuid_of(user), uuid_of(text(form, "sku"))
    message = attempt(
        request,
        db,
        lambda s: licenses.assign_to_user(s, user=lookup.user(s, user_id), add={}, remove=[sku_id]),
    )
    if message:
        return _user_page(request, db, user_id, errors={f"remove-{sku_id}": message})
    return redirect(f"/users/{user_id}#direct", "license-removed")


@router.post("/users/{user}/reprocess")
def reprocess_user(request: Request, user: str, form: ChangeForm, db: DatabaseDep) -> Response:
    user_id = uuid_of(user)
    message = attempt(
        request, db, lambda s: licenses.reprocess_user(s, user=lookup.user(s, user_id))
    )
    if message:
        return _user_page(request, db, user_id, errors={"reprocess": message})
    return redirect(f"/users/{user_id}", "user-reprocess")
