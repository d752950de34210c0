"""`seatplan groups assign-license | remove-license | reprocess | errors`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer
from sqlalchemy.orm import Session

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.cli.groups import GroupArg, print_group
from seatplan.cli.user_licenses import Disable, SkuArg
from seatplan.processing import simulation
from seatplan.services import catalog, licenses, lookup, reports, transaction
from seatplan.services.errors import BadRequest
from seatplan.services.licenses import Products
from seatplan.settings import get_settings
from seatplan.shapes import admin as admin_shapes
from seatplan.shapes import reports as report_shapes
from seatplan.store.db import Database
from seatplan.store.tables import Group, GroupLicense


def register(app: typer.Typer) -> None:
    app.command("assign-license")(assign_license)
    app.command("remove-license")(remove_license)
    app.command("reprocess")(reprocess)
    app.command("errors")(errors)


DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Show what would happen to the members (seats, errors) and change nothing.",
    ),
]


def assign_license(
    group: GroupArg,
    sku: SkuArg,
    disable: Disable = None,
    no_wait: NoWait = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Assign a product to a security group; its members get it in the background.

    Assigning a product the group already has replaces its disabled plans.
    """
    db = database()
    # A preview only reads (no writer waits for it); the change itself writes.
    with db.snapshot() if dry_run else transaction.writing(db) as session:
        found = lookup.group(session, group)
        product = catalog.find_product(session, sku)
        plans = catalog.plan_ids(session, product, disable or [])
        if dry_run:
            _preview(session, found, {product.sku_id: plans}, [], json)
            return
        licenses.assign_to_group(session, group=found, add={product.sku_id: plans}, remove=[])
        group_id, part = found.id, product.sku_part_number
    output.say(f"Assigned {part} to group {found.display_name}.", output.OK)
    _finish(db, group_id, no_wait)


def remove_license(
    group: GroupArg,
    sku: SkuArg,
    no_wait: NoWait = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Remove a product from a group; its members lose it (unless a dependency keeps it)."""
    db = database()
    # A preview only reads (no writer waits for it); the change itself writes.
    with db.snapshot() if dry_run else transaction.writing(db) as session:
        found = lookup.group(session, group)
        product = catalog.find_product(session, sku)
        if not session.get(GroupLicense, (found.id, product.sku_id)):
            raise BadRequest(
                f"{product.sku_part_number} is not assigned to group '{found.display_name}'."
            )
        if dry_run:
            _preview(session, found, {}, [product.sku_id], json)
            return
        licenses.assign_to_group(session, group=found, add={}, remove=[product.sku_id])
        group_id, part = found.id, product.sku_part_number
    output.say(f"Removed {part} from group {found.display_name}.", output.OK)
    _finish(db, group_id, no_wait)


def reprocess(group: GroupArg, no_wait: NoWait = False) -> None:
    """Evaluate every member again, and users still holding a license from the group."""
    db = database()
    with transaction.writing(db) as session:
        found = lookup.group(session, group)
        licenses.reprocess_group(session, group=found)
        group_id = found.id
    _finish(db, group_id, no_wait)


def errors(
    group: GroupArg,
    json: Json = False,
) -> None:
    """Members with license assignment errors: the product, the error, why, and what to do."""
    with database().reading() as session:
        found = lookup.group(session, group)
        items = reports.members_with_errors(session, group_id=found.id)
    if json:
        output.print_json([report_shapes.assignment_error(item) for item in items])
        return
    if not items:
        output.say(f"No member of {found.display_name} has a license assignment error.", output.OK)
        return
    users = len({e.user_id for e in items})
    output.say(f"{users} user(s) with license errors in {found.display_name}", "bold")
    for item in items:
        print_error(item)


def print_error(item: reports.AssignmentError) -> None:
    """One assignment in error: who, which product, the error, why, and what to do."""
    left = "" if item.is_member else " (left the group)"
    output.say("")
    output.say(
        f"{item.user_principal_name}{left}  {item.sku_part_number}  {item.error} ({item.state})",
        output.ERROR,
    )
    help_ = item.help
    if help_ is not None:
        output.say(f"  Why: {help_.explanation}")
        for fix in help_.fixes:
            output.say(f"  Fix: {fix}")


def _preview(session: Session, group: Group, add: Products, remove: list[UUID], json: bool) -> None:
    result = simulation.simulate_group_change(
        session, group=group, add=add, remove=remove, batch_size=get_settings().batch_size
    )
    if json:
        output.print_json(admin_shapes.simulation(result))
        return
    output.say(f"Preview for group {result.display_name}: nothing was changed.", "bold")
    output.say(f"{result.users_evaluated} user(s) would be evaluated.")
    if result.outcomes:
        output.table(
            ["Product", "State", "Error", "Users"],
            [[o.sku_part_number, o.state, o.error or "", str(o.users)] for o in result.outcomes],
        )
    for removal in result.removed:
        output.say(f"{removal.sku_part_number} would be removed from {removal.users} user(s).")
    for seats in result.seats:
        output.say(
            f"{seats.sku_part_number}: {seats.available_now} seat(s) available now, "
            f"{seats.available_after} after."
        )
    for example in result.examples:
        plans = f"  ({', '.join(example.plans)})" if example.plans else ""
        output.say(
            f"  {example.user_principal_name}  {example.sku_part_number}  {example.error}{plans}",
            output.ERROR,
        )


def _finish(db: Database, group_id: UUID, no_wait: bool) -> None:
    evaluated = wait_for_processing(db, no_wait)
    if evaluated is None:
        return
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
    output.say(f"{evaluated} user(s) evaluated.")
    print_group(detail)
