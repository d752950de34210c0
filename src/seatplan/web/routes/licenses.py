"""Licenses > All products, and a product's licensed users and licensed groups."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import catalog, reports, subscriptions
from seatplan.services.reports.paged import (
    Page,
    licensed_group_count,
    licensed_groups_page,
    licensed_users_page,
)
from seatplan.services.subscriptions import SkuSummary
from seatplan.web import csv_export, listing
from seatplan.web.auth import BuyForm, CurrentAdmin, DatabaseDep
from seatplan.web.charts import seats_chart
from seatplan.web.confirm import Confirmation, confirm_page, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import PAGE_SIZE, text, uuid_of
from seatplan.web.render import redirect, render
from seatplan.web.routes.directory import unbought_products

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/licenses")
def all_products(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    with db.reading() as session:
        skus = reports.sku_summaries(session)
        unbought = unbought_products(session) if admin.can_buy else []
    return render(request, "products.html", skus=skus, chart=seats_chart(skus), unbought=unbought)


def _product_page(
    request: Request,
    db: DatabaseDep,
    sku_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    tab: str = "users",
) -> Response:
    """The product's seats and subscriptions, with a tab of its licensed users or groups."""
    spec = listing.LICENSED_USERS if tab == "users" else listing.LICENSED_GROUPS
    found = listing.read_listing(request.query_params, spec)
    users: Page[reports.LicensedUser] | None = None
    groups: Page[reports.LicensedGroup] | None = None
    with db.reading() as session:
        product = catalog.find_product(session, sku_id)
        summary = next((s for s in reports.sku_summaries(session) if s.sku_id == sku_id), None)
        if tab == "users":
            users = licensed_users_page(
                session,
                sku_id=sku_id,
                search=found.get("search"),
                order=found.order,
                offset=found.offset,
                limit=PAGE_SIZE,
            )
            group_count = licensed_group_count(session, sku_id=sku_id)
        else:
            groups = licensed_groups_page(
                session, sku_id=sku_id, order=found.order, offset=found.offset, limit=PAGE_SIZE
            )
            group_count = groups.total
        subs = [s for s in subscriptions.list_subscriptions(session) if s.sku_id == sku_id]
    return render(
        request,
        "product.html",
        status=400 if errors else 200,
        product=product,
        summary=summary,
        users=users,
        groups=groups,
        group_count=group_count,
        tab=tab,
        listing=found,
        subscriptions=subs,
        errors=errors,
        typed=typed,
    )


@router.get("/licenses/{sku}")
def product_page(request: Request, sku: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _product_page(request, db, uuid_of(sku))


def _after(db: DatabaseDep, sku_id: UUID, sub_id: UUID, units: int) -> SkuSummary | None:
    """The product's seats were subscription `sub_id` set to `units` (None: unknown)."""
    with db.reading() as session:
        summary = next((s for s in reports.sku_summaries(session) if s.sku_id == sku_id), None)
        subs = [s for s in subscriptions.list_subscriptions(session) if s.sku_id == sku_id]
    old = next((s.enabled_units for s in subs if s.id == sub_id), None)
    if summary is None or old is None:
        return None
    return SkuSummary(
        summary.sku_id,
        summary.sku_part_number,
        summary.display_name,
        summary.enabled_units - old + units,
        summary.consumed_units,
    )


@router.get("/licenses/{sku}/subscriptions/{subscription}")
def confirm_units(
    request: Request, sku: str, subscription: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    """Lowering units below the seats in use is allowed (a working license is never taken
    away, on every face), but the portal says first what it does to whom."""
    require(admin.can_buy)
    sku_id, sub_id = uuid_of(sku), uuid_of(subscription)
    units = text(request.query_params, "units", limit=12)
    after = _after(db, sku_id, sub_id, int(units)) if units.isdigit() else None
    if after is None:
        return redirect(f"/licenses/{sku_id}#subscriptions")
    with db.reading() as session:
        waiting = reports.waiting_for_seats(session, sku_id=sku_id)
    part, used = after.sku_part_number, after.consumed_units
    return confirm_page(
        request,
        Confirmation(
            title=f"Set {units} units: fewer than the {used} {part} seats in use?",
            action=request.url.path,
            button=f"Set {units} units anyway",
            back=f"/licenses/{sku_id}#subscriptions",
            fields={"units": units, "confirmed": "yes"},
            facts=(
                f"{part} would have {after.enabled_units} seat(s) in all for {used} assigned: "
                f"{after.over_assigned} more assigned than bought.",
                f"Nobody loses a working license: the {used} user(s) keep {part}.",
                f"No new assignment of {part} succeeds until {after.over_assigned + 1} seat(s) "
                "are freed or bought: users who get it from then on wait in error "
                "(CountViolation).",
                f"{waiting} assignment(s) of {part} waiting in error now keep waiting.",
            ),
            section="licenses",
        ),
    )


@router.get("/licenses/{sku}/groups")
def product_groups(request: Request, sku: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _product_page(request, db, uuid_of(sku), tab="groups")


def _known_product(db: DatabaseDep, sku: str) -> UUID:
    sku_id = uuid_of(sku)
    with db.reading() as session:
        catalog.find_product(session, sku_id)  # an unknown one is a 404 page
    return sku_id


@router.get("/licenses/{sku}/users/export")
def export_licensed_users(
    request: Request, sku: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    sku_id = _known_product(db, sku)
    found = listing.read_listing(request.query_params, listing.LICENSED_USERS)

    def read(
        session: Session, after: UUID | None, limit: int
    ) -> tuple[list[list[object]], UUID | None]:
        page = licensed_users_page(
            session,
            sku_id=sku_id,
            search=found.get("search"),
            order=found.order,
            offset=0,
            limit=limit,
            after=after,
        )
        rows: list[list[object]] = [
            [
                u.id,
                u.display_name,
                u.user_principal_name,
                "Yes" if u.direct else "No",
                "; ".join(g.display_name for g in u.groups),
            ]
            for u in page.items
        ]
        return rows, page.items[-1].id if page.items else None

    header = ["User id", "Name", "Principal name", "Direct", "Inherited from"]
    return csv_export.download("licensed-users.csv", csv_export.rows_after(db, header, read))


@router.get("/licenses/{sku}/groups/export")
def export_licensed_groups(
    request: Request, sku: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    sku_id = _known_product(db, sku)
    found = listing.read_listing(request.query_params, listing.LICENSED_GROUPS)

    def read(session: Session, offset: int, limit: int) -> list[list[object]]:
        page = licensed_groups_page(
            session, sku_id=sku_id, order=found.order, offset=offset, limit=limit
        )
        return [
            [
                g.id,
                g.display_name,
                g.member_count,
                g.users_licensed,
                g.users_in_error,
                "; ".join(g.disabled_plan_names),
            ]
            for g in page.items
        ]

    header = ["Group id", "Name", "Members", "Licensed", "In error", "Disabled plans"]
    return csv_export.download("licensed-groups.csv", csv_export.rows_of(db, header, read))


@router.post("/licenses/{sku}/subscriptions/{subscription}")
def set_units(
    request: Request, sku: str, subscription: str, form: BuyForm, db: DatabaseDep
) -> Response:
    sku_id, sub_id = uuid_of(sku), uuid_of(subscription)
    units = text(form, "units", limit=12)
    field = f"units-{sub_id}"
    if not units.isdigit():
        message: str | None = "Enter a whole number of units (0 or more)."
    elif (
        text(form, "confirmed") != "yes"
        and (after := _after(db, sku_id, sub_id, int(units))) is not None
        and after.over_assigned
    ):
        # Below the seats in use: ask first (a page of its own, so a reload asks again).
        return redirect(f"/licenses/{sku_id}/subscriptions/{sub_id}?units={units}")
    else:
        message = attempt(
            request,
            db,
            lambda s: subscriptions.set_units(
                s, sku=sku_id, units=int(units), subscription_id=sub_id
            ),
        )
    if message:
        return _product_page(request, db, sku_id, errors={field: message}, typed={field: units})
    return redirect(f"/licenses/{sku_id}", "units")
