"""Products the organization subscribes to: seats, subscriptions, who holds each one."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer
from rich.text import Text

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.services import catalog, lookup, reports, subscriptions, transaction
from seatplan.services.errors import BadRequest
from seatplan.shapes import admin as admin_shapes
from seatplan.shapes import reports as shapes

subscriptions_app = typer.Typer(
    help="Subscriptions: the seats the organization bought.", no_args_is_help=True
)


def list_skus(json: Json = False) -> None:
    """Subscribed products: total, assigned and available seats."""
    with database().reading() as session:
        items = reports.sku_summaries(session)
    if json:
        output.print_json([shapes.sku(item) for item in items])
        return
    output.table(
        ["SKU", "Name", "Total", "Assigned", "Available"],
        (
            [
                s.sku_part_number,
                s.display_name,
                str(s.enabled_units),
                str(s.consumed_units),
                Text(str(s.available), style=output.WARN if s.available <= 0 else ""),
            ]
            for s in items
        ),
    )


def licensed_users(
    sku: Annotated[str, typer.Argument(help="skuPartNumber or skuId.")], json: Json = False
) -> None:
    """Who holds a product: each licensed user (Direct and/or which groups), and its groups.

    Use it to find seats to free when users wait in CountViolation.
    """
    with database().reading() as session:
        product = catalog.find_product(session, sku)
        users = reports.licensed_users(session, sku_id=product.sku_id)
        groups = reports.licensed_groups(session, sku_id=product.sku_id)
    if json:
        output.print_json(
            {
                "skuId": product.sku_id,
                "skuPartNumber": product.sku_part_number,
                "users": [
                    {
                        "id": u.id,
                        "userPrincipalName": u.user_principal_name,
                        "displayName": u.display_name,
                        "direct": u.direct,
                        "groups": [shapes.group_ref(g) for g in u.groups],
                    }
                    for u in users
                ],
                "groups": [
                    {
                        "id": g.id,
                        "displayName": g.display_name,
                        "memberCount": g.member_count,
                        "disabledPlanNames": list(g.disabled_plan_names),
                        "usersLicensed": g.users_licensed,
                        "usersInError": g.users_in_error,
                    }
                    for g in groups
                ],
            }
        )
        return
    output.table(
        ["User", "Name", "Assigned by"],
        (
            [
                u.user_principal_name,
                u.display_name,
                ", ".join(
                    ([reports.DIRECT] if u.direct else []) + [g.display_name for g in u.groups]
                ),
            ]
            for u in users
        ),
        title=f"Users holding {product.sku_part_number} ({len(users)})",
    )
    output.table(
        ["Group", "Members", "Licensed", "In error", "Disabled plans"],
        (
            [
                g.display_name,
                str(g.member_count),
                str(g.users_licensed),
                output.error_text(str(g.users_in_error) if g.users_in_error else None),
                ", ".join(g.disabled_plan_names) or "-",
            ]
            for g in groups
        ),
        title=f"Groups assigning {product.sku_part_number} ({len(groups)})",
    )


@subscriptions_app.command("list")
def list_subscriptions(json: Json = False) -> None:
    """Every subscription, with its units."""
    with database().reading() as session:
        subs = subscriptions.list_subscriptions(session)
        parts = {s.sku_id: catalog.find_product(session, s.sku_id).sku_part_number for s in subs}
    data = [admin_shapes.subscription(s, parts[s.sku_id]) for s in subs]
    if json:
        output.print_json(data)
        return
    output.table(
        ["Id", "SKU", "Status", "Enabled units"],
        ([str(s.id), parts[s.sku_id], s.status, str(s.enabled_units)] for s in subs),
    )


@subscriptions_app.command("set")
def set_units(
    sku: Annotated[str, typer.Argument(help="skuPartNumber or skuId.")],
    units: Annotated[int, typer.Option("--units", help="Enabled units (seats bought).")],
    subscription: Annotated[
        str | None,
        typer.Option("--subscription", help="The subscription's id, when a SKU has several."),
    ] = None,
    no_wait: NoWait = False,
) -> None:
    """Set a product's seats, creating its subscription if needed.

    New seats are offered to users waiting for one; fewer seats never take a working
    license away.
    """
    db = database()
    with transaction.writing(db) as session:
        sub = subscriptions.set_units(
            session, sku=sku, units=units, subscription_id=_subscription_id(subscription)
        )
        part = catalog.find_product(session, sub.sku_id).sku_part_number
    wait_for_processing(db, no_wait)
    output.say(f"{part}: {units} enabled units (subscription {sub.id}).", output.OK)


def _subscription_id(value: str | None) -> UUID | None:
    if value is None:
        return None
    found = lookup.as_uuid(value)
    if found is None:
        raise BadRequest(f"Invalid subscription id '{value}': expected a GUID.")
    return found
