"""`seatplan users assign-license | remove-license | reprocess`: direct licenses."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from seatplan.cli import output
from seatplan.cli.context import NoWait, database, wait_for_processing
from seatplan.cli.users import UserArg, print_licenses
from seatplan.services import assignment_rows, catalog, licenses, lookup, reports, transaction
from seatplan.services.errors import BadRequest
from seatplan.store.db import Database


def register(app: typer.Typer) -> None:
    app.command("assign-license")(assign_license)
    app.command("remove-license")(remove_license)
    app.command("reprocess")(reprocess)


SkuArg = Annotated[str, typer.Argument(help="skuPartNumber or skuId.")]
Disable = Annotated[
    list[str] | None,
    typer.Option("--disable", help="A service plan to disable (name or id); repeat it."),
]


def assign_license(
    user: UserArg, sku: SkuArg, disable: Disable = None, no_wait: NoWait = False
) -> None:
    """Assign a product directly (validated at once).

    Assigning a product the user already holds directly replaces its disabled plans:
    this is how to disable conflicting plans.
    """
    db = database()
    with transaction.writing(db) as session:
        found = lookup.user(session, user)
        product = catalog.find_product(session, sku)
        plans = catalog.plan_ids(session, product, disable or [])
        licenses.assign_to_user(session, user=found, add={product.sku_id: plans}, remove=[])
        user_id, part = found.id, product.sku_part_number
    output.say(f"Assigned {part} to {found.user_principal_name}.", output.OK)
    _finish(db, user_id, no_wait)


def remove_license(user: UserArg, sku: SkuArg, no_wait: NoWait = False) -> None:
    """Remove a directly assigned product (a product inherited from a group stays)."""
    db = database()
    with transaction.writing(db) as session:
        found = lookup.user(session, user)
        product = catalog.find_product(session, sku)
        if not any(row.sku_id == product.sku_id for row in assignment_rows.held(session, found.id)):
            raise BadRequest(
                f"{product.sku_part_number} is not assigned to {found.user_principal_name}."
            )
        licenses.assign_to_user(session, user=found, add={}, remove=[product.sku_id])
        user_id, part = found.id, product.sku_part_number
    output.say(f"Removed {part} from {found.user_principal_name}.", output.OK)
    _finish(db, user_id, no_wait)


def reprocess(user: UserArg, no_wait: NoWait = False) -> None:
    """Evaluate a user's licenses again (Graph's reprocessLicenseAssignment)."""
    db = database()
    with transaction.writing(db) as session:
        found = lookup.user(session, user)
        licenses.reprocess_user(session, user=found)
        user_id = found.id
    _finish(db, user_id, no_wait)


def _finish(db: Database, user_id: UUID, no_wait: bool) -> None:
    if wait_for_processing(db, no_wait) is None:
        return
    with db.reading() as session:
        print_licenses(reports.user_detail(session, user_id=user_id))
