"""Changes to a group: its products and their plans, Reprocess, its members.

Changes only queue licensing work: the worker of `seatplan serve` does it, and the
group's page follows its processing state.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.processing import simulation
from seatplan.processing.change_preview import ChangePreview
from seatplan.processing.simulation import Simulation
from seatplan.services import catalog, groups, licenses, lookup, reports
from seatplan.services.errors import ServiceError
from seatplan.settings import Settings
from seatplan.web.auth import ChangeForm, CurrentAdmin, DatabaseDep
from seatplan.web.confirm import Confirmation, confirm_page, licensing_preview, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import enabled_plans, text, uuid_of
from seatplan.web.plan_choice import disabled_plans, enabled_elsewhere, render_plan_choice
from seatplan.web.render import redirect
from seatplan.web.routes.groups import group_page

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _plans_page(
    request: Request,
    db: DatabaseDep,
    group_id: UUID,
    sku_id: UUID,
    *,
    enabled: set[UUID] | None = None,
    error: str | None = None,
    preview: Simulation | None = None,
) -> Response:
    with db.reading() as session:
        group = reports.group_detail(session, group_id=group_id)
        current = next((p for p in group.products if p.sku_id == sku_id), None)
        others = enabled_elsewhere(
            session, [(p.sku_id, p.disabled_plans) for p in group.products], sku_id
        )
        return render_plan_choice(
            request,
            session,
            sku_id=sku_id,
            subject=group.display_name,
            back=f"/groups/{group_id}",
            action=f"/groups/{group_id}/product",
            current=current.disabled_plans if current else None,
            enabled=enabled,
            error=error,
            preview=preview,
            can_preview=True,
            others=others,
        )


@router.get("/groups/{group}/product")
def group_product(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    sku = lookup.as_uuid(text(request.query_params, "sku"))
    if sku is None:
        return group_page(request, db, group_id, errors={"sku": "Choose a product."})
    return _plans_page(request, db, group_id, sku)


@router.post("/groups/{group}/product")
def save_group_product(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    group_id, sku_id = uuid_of(group), uuid_of(text(form, "sku"))
    enabled = enabled_plans(form)

    def change(session: Session) -> None:
        disabled = disabled_plans(session, sku_id, enabled)
        target = lookup.group(session, group_id)
        licenses.assign_to_group(session, group=target, add={sku_id: disabled}, remove=[])

    message = attempt(request, db, change)
    if message:
        return _plans_page(request, db, group_id, sku_id, enabled=enabled, error=message)
    return redirect(f"/groups/{group_id}", "group-license")


@router.post("/groups/{group}/product/preview")
def preview_group_product(
    request: Request, group: str, form: ChangeForm, db: DatabaseDep
) -> Response:
    """What saving these plans would do to the members, with nothing changed."""
    group_id, sku_id = uuid_of(group), uuid_of(text(form, "sku"))
    enabled = enabled_plans(form)
    settings: Settings = request.app.state.settings
    found: list[Simulation] = []

    message = None
    try:
        with db.snapshot() as session:  # only reads: no writer waits for it
            found.append(
                simulation.simulate_group_change(
                    session,
                    group=lookup.group(session, group_id),
                    add={sku_id: disabled_plans(session, sku_id, enabled)},
                    remove=[],
                    batch_size=settings.batch_size,
                )
            )
    except ServiceError as error:
        message = error.message
    return _plans_page(
        request,
        db,
        group_id,
        sku_id,
        enabled=enabled,
        error=message,
        preview=next(iter(found), None),
    )


@router.get("/groups/{group}/product/remove")
def confirm_remove_group_product(
    request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_change)
    group_id, sku_id = uuid_of(group), uuid_of(text(request.query_params, "sku"))
    with db.reading() as session:
        name = reports.group_detail(session, group_id=group_id).display_name
        product = catalog.find_product(session, sku_id).sku_part_number
    preview = licensing_preview(
        request,
        db,
        lambda s: licenses.assign_to_group(
            s, group=lookup.group(s, group_id), add={}, remove=[sku_id]
        ),
    )
    return confirm_page(
        request,
        Confirmation(
            title=f"Remove {product} from {name}?",
            action=request.url.path,
            button=f"Remove {product} from the group",
            back=f"/groups/{group_id}/product?sku={sku_id}",
            fields={"sku": str(sku_id)},
            facts=(f"The group's members are queued: {product} stops coming from {name}.",),
            preview=preview,
            section="groups",
        ),
    )


@router.post("/groups/{group}/product/remove")
def remove_group_product(
    request: Request, group: str, form: ChangeForm, db: DatabaseDep
) -> Response:
    group_id, sku_id = uuid_of(group), uuid_of(text(form, "sku"))
    message = attempt(
        request,
        db,
        lambda s: licenses.assign_to_group(
            s, group=lookup.group(s, group_id), add={}, remove=[sku_id]
        ),
    )
    if message:
        return _plans_page(request, db, group_id, sku_id, error=message)
    return redirect(f"/groups/{group_id}", "group-license-removed")


@router.post("/groups/{group}/reprocess")
def reprocess(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    message = attempt(
        request, db, lambda s: licenses.reprocess_group(s, group=lookup.group(s, group_id))
    )
    if message:
        return group_page(request, db, group_id, errors={"reprocess": message})
    return redirect(f"/groups/{group_id}", "reprocess")


@router.post("/groups/{group}/members")
def add_member(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    group_id, member = uuid_of(group), text(form, "member")
    if not member:
        message: str | None = "Enter the user's principal name (name@domain) or a group's name."
    else:
        message = attempt(
            request,
            db,
            lambda s: groups.add_user_or_group(
                s, group=lookup.group(s, group_id), member=lookup.member(s, member)
            ),
        )
    if message:
        return group_page(
            request, db, group_id, errors={"member": message}, typed={"member": member}
        )
    return redirect(f"/groups/{group_id}#members", "member-added")


@router.get("/groups/{group}/members/{user}/remove")
def confirm_remove_member(
    request: Request, group: str, user: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_change)
    group_id, user_id = uuid_of(group), uuid_of(user)
    with db.reading() as session:
        name = reports.group_detail(session, group_id=group_id).display_name
        who = lookup.user(session, user_id).user_principal_name
    preview = licensing_preview(
        request,
        db,
        lambda s: groups.remove_member(
            s, group=lookup.group(s, group_id), user=lookup.user(s, user_id)
        ),
    )
    return _confirm_member_removal(request, group_id, name, who, preview)


def _confirm_member_removal(
    request: Request, group_id: UUID, name: str, who: str, preview: ChangePreview | str
) -> Response:
    return confirm_page(
        request,
        Confirmation(
            title=f"Remove {who} from {name}?",
            action=request.url.path,
            button="Remove from the group",
            back=f"/groups/{group_id}#members",
            facts=(f"{who} stops receiving the licenses of {name}.",),
            preview=preview,
            section="groups",
        ),
    )


@router.get("/groups/{group}/member-groups/{member}/remove")
def confirm_remove_member_group(
    request: Request, group: str, member: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_change)
    group_id, member_id = uuid_of(group), uuid_of(member)
    with db.reading() as session:
        name = reports.group_detail(session, group_id=group_id).display_name
        who = reports.group_detail(session, group_id=member_id).display_name
    preview = licensing_preview(
        request,
        db,
        lambda s: groups.remove_group_member(
            s, group=lookup.group(s, group_id), member=lookup.group(s, member_id)
        ),
    )
    return _confirm_member_removal(request, group_id, name, f"group {who}", preview)


@router.post("/groups/{group}/members/{user}/remove")
def remove_member(
    request: Request, group: str, user: str, form: ChangeForm, db: DatabaseDep
) -> Response:
    group_id, user_id = uuid_of(group), uuid_of(user)
    message = attempt(
        request,
        db,
        lambda s: groups.remove_member(
            s, group=lookup.group(s, group_id), user=lookup.user(s, user_id)
        ),
    )
    if message:
        return group_page(request, db, group_id, errors={"members": message})
    return redirect(f"/groups/{group_id}#members", "member-removed")


@router.post("/groups/{group}/member-groups/{member}/remove")
def remove_member_group(
    request: Request, group: str, member: str, form: ChangeForm, db: DatabaseDep
) -> Response:
    group_id, member_id = uuid_of(group), uuid_of(member)
    message = attempt(
        request,
        db,
        lambda s: groups.remove_group_member(
            s, group=lookup.group(s, group_id), member=lookup.group(s, member_id)
        ),
    )
    if message:
        return group_page(request, db, group_id, errors={"member-groups": message})
    return redirect(f"/groups/{group_id}#member-groups", "member-removed")
