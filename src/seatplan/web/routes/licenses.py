"""Licenses > All products, and a product's licensed users and licensed groups."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import catalog, reports, subscriptions
from seatplan.services.reports.paged import licensed_users_page
from seatplan.web.auth import BuyForm, CurrentAdmin, DatabaseDep
from seatplan.web.charts import seats_chart
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import PAGE_SIZE, offset, text, uuid_of
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/licenses")
def all_products(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    with db.reading() as session:
        skus = reports.sku_summaries(session)
    return render(request, "products.html", skus=skus, chart=seats_chart(skus))


def _product_page(
    request: Request,
    db: DatabaseDep,
    sku_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    with db.reading() as session:
        product = catalog.find_product(session, sku_id)
        summary = next((s for s in reports.sku_summaries(session) if s.sku_id == sku_id), None)
        users = licensed_users_page(
            session, sku_id=sku_id, offset=offset(request.query_params), limit=PAGE_SIZE
        )
        groups = reports.licensed_groups(session, sku_id=sku_id)
        subs = [s for s in subscriptions.list_subscriptions(session) if s.sku_id == sku_id]
    return render(
        request,
        "product.html",
        status=400 if errors else 200,
        product=product,
        summary=summary,
        users=users,
        groups=groups,
        subscriptions=subs,
        errors=errors,
        typed=typed,
    )


@router.get("/licenses/{sku}")
def product_page(request: Request, sku: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _product_page(request, db, uuid_of(sku))


@router.post("/licenses/{sku}/subscriptions/{subscription}")
def set_units(
    request: Request, sku: str, subscription: str, form: BuyForm, db: DatabaseDep
) -> Response:
    sku_id, sub_id = uuid_of(sku), uuid_of(subscription)
    units = text(form, "units", limit=12)
    field = f"units-{sub_id}"
    if not units.isdigit():
        message: str | None = "Enter a whole number of units (0 or more)."
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
