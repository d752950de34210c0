"""Basic directory work without the command line: create and delete a user or a group (a
Global Administrator, as the admin center's User Administrator would), and buy a product
the organization has no subscription for yet. The same services as the API and the CLI.
A delete is confirmed first (`web.confirm`), naming what the user or group holds.

A refused form comes back on a page of its own, with what was typed and why.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.catalog import Product
from seatplan.services import groups, lookup, reports, subscriptions, users
from seatplan.services.errors import BadRequest
from seatplan.web.auth import BuyForm, CurrentAdmin, DatabaseDep, DirectoryForm
from seatplan.web.confirm import Confirmation, confirm_page, licensing_preview, require
from seatplan.web.errors import PortalError, PortalRoute, attempt
from seatplan.web.forms import text, uuid_of
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

#: At most this many units in one purchase (a typo's extra digits are refused).
MAX_UNITS = 1_000_000


def _form_page(
    request: Request,
    db: DatabaseDep,
    kind: str,
    message: str,
    typed: dict[str, str],
) -> Response:
    with db.reading() as session:
        unbought = unbought_products(session)
    return render(
        request,
        "directory_new.html",
        status=400,
        kind=kind,
        unbought=unbought,
        section={"user": "users", "group": "groups", "buy": "licenses"}[kind],
        errors={kind: message},
        typed=typed,
    )


def unbought_products(session: Session) -> list[Product]:
    """Catalog products without a subscription, by name: what Buy offers."""
    bought = {s.sku_id for s in reports.sku_summaries(session)}
    found = [p for p in reports.products(session) if p.sku_id not in bought]
    return sorted(found, key=lambda p: (p.display_name.casefold(), p.sku_part_number))


@router.post("/users/new")
def create_user(request: Request, form: DirectoryForm, db: DatabaseDep) -> Response:
    typed = {
        "display_name": text(form, "display_name"),
        "user_principal_name": text(form, "user_principal_name"),
        "usage_location": text(form, "usage_location", limit=64),
    }
    made: list[UUID] = []

    def create(session: Session) -> None:
        if not typed["user_principal_name"]:
            raise BadRequest("Enter the user's principal name (name@domain).")
        user = users.create(
            session,
            user_principal_name=typed["user_principal_name"],
            display_name=typed["display_name"] or None,
            usage_location=typed["usage_location"] or None,
        )
        made.append(user.id)

    message = attempt(request, db, create)
    if message:
        return _form_page(request, db, "user", message, typed)
    return redirect(f"/users/{made[0]}", "user-created")


@router.post("/groups/new")
def create_group(request: Request, form: DirectoryForm, db: DatabaseDep) -> Response:
    typed = {
        "display_name": text(form, "display_name"),
        "description": text(form, "description", limit=1024),
    }
    made: list[UUID] = []

    def create(session: Session) -> None:
        group = groups.create(
            session,
            display_name=typed["display_name"],
            description=typed["description"] or None,
        )
        made.append(group.id)

    message = attempt(request, db, create)
    if message:
        return _form_page(request, db, "group", message, typed)
    return redirect(f"/groups/{made[0]}", "group-created")


@router.post("/licenses/buy")
def buy_product(request: Request, form: BuyForm, db: DatabaseDep) -> Response:
    typed = {"sku": text(form, "sku", limit=64), "units": text(form, "units", limit=12)}
    made: list[UUID] = []

    def buy(session: Session) -> None:
        # A product bought already gets a second subscription, as the API's would.
        sub = subscriptions.create(session, sku=typed["sku"], units=int(typed["units"]))
        made.append(sub.sku_id)

    if not typed["sku"]:
        message: str | None = "Choose a product."
    elif not typed["units"].isdigit() or not 0 < int(typed["units"]) <= MAX_UNITS:
        message = f"Enter a whole number of units, from 1 to {MAX_UNITS:,}."
    else:
        message = attempt(request, db, buy)
    if message:
        return _form_page(request, db, "buy", message, typed)
    return redirect(f"/licenses/{made[0]}", "bought")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@router.get("/users/{user}/delete")
def confirm_delete_user(
    request: Request, user: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_manage_admins)
    user_id = uuid_of(user)
    with db.reading() as session:
        detail = reports.user_detail(session, user_id=user_id)
    held = [f"{v.sku_part_number} ({v.source})" for v in detail.licenses]
    facts = [
        f"{detail.display_name} holds {_plural(len(held), 'license')}"
        + (f": {', '.join(held)}." if held else "."),
        f"They are a member of {_plural(len(detail.groups), 'group')}"
        + (f": {', '.join(g.display_name for g in detail.groups)}." if detail.groups else "."),
        "Their seats are freed and offered to users waiting for one; the audit log keeps "
        "what was done to them.",
    ]
    preview = licensing_preview(
        request,
        db,
        lambda s: users.delete_user(s, user=lookup.user(s, user_id)),
        subjects=[user_id],
    )
    return confirm_page(
        request,
        Confirmation(
            title=f"Delete user {detail.user_principal_name}?",
            action=request.url.path,
            button=f"Delete {detail.display_name}",
            back=f"/users/{user_id}",
            facts=tuple(facts),
            preview=preview,
            section="users",
        ),
    )


@router.post("/users/{user}/delete")
def delete_user(request: Request, user: str, form: DirectoryForm, db: DatabaseDep) -> Response:
    user_id = uuid_of(user)
    message = attempt(request, db, lambda s: users.delete_user(s, user=lookup.user(s, user_id)))
    if message:
        raise PortalError(message)
    return redirect("/users", "user-deleted")


@router.get("/groups/{group}/delete")
def confirm_delete_group(
    request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_manage_admins)
    group_id = uuid_of(group)
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
        nested = reports.member_groups(session, group_id=group_id)
    products = ", ".join(p.sku_part_number for p in detail.products)
    facts = [
        f"{detail.display_name} has {_plural(detail.member_count, 'member')} and "
        f"{_plural(len(nested), 'member group')}"
        + (f" ({', '.join(g.display_name for g in nested)})." if nested else "."),
        f"It assigns {products}." if products else "It assigns no product.",
        "The members stay in the directory; only the group and its memberships go.",
    ]
    preview = licensing_preview(
        request, db, lambda s: groups.delete_group(s, group=lookup.group(s, group_id))
    )
    return confirm_page(
        request,
        Confirmation(
            title=f"Delete group {detail.display_name}?",
            action=request.url.path,
            button=f"Delete {detail.display_name}",
            back=f"/groups/{group_id}",
            facts=tuple(facts),
            preview=preview,
            section="groups",
        ),
    )


@router.post("/groups/{group}/delete")
def delete_group(request: Request, group: str, form: DirectoryForm, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    message = attempt(
        request, db, lambda s: groups.delete_group(s, group=lookup.group(s, group_id))
    )
    if message:
        raise PortalError(message)  # a licensed group: its confirmation said so too
    return redirect("/groups", "group-deleted")
