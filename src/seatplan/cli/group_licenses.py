"""`seatplan groups assign-license | remove-license | reprocess | errors`."""

from __future__ import annotations

from uuid import UUID

import typer

from seatplan.cli import output, shapes
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.cli.groups import GroupArg, print_group
from seatplan.cli.user_licenses import Disable, SkuArg
from seatplan.services import catalog, licenses, lookup, reports
from seatplan.services.errors import BadRequest
from seatplan.store.db import Database
from seatplan.store.tables import GroupLicense


def register(app: typer.Typer) -> None:
    app.command("assign-license")(assign_license)
    app.command("remove-license")(remove_license)
    app.command("reprocess")(reprocess)
    app.command("errors")(errors)


def assign_license(
    group: GroupArg, sku: SkuArg, disable: Disable = None, no_wait: NoWait = False
) -> None:
    """Assign a product to a security group; its members get it in the background.

    Assigning a product the group already has replaces its disabled plans.
    """
    db = database()
    with db.writing() as session:
        found = lookup.group(session, group)
        product = catalog.find_product(session, sku)
        plans = catalog.plan_ids(session, product, disable or [])
        licenses.assign_to_group(session, group=found, add={product.sku_id: plans}, remove=[])
        group_id, part = found.id, product.sku_part_number
    output.say(f"Assigned {part} to group {found.display_name}.", output.OK)
    _finish(db, group_id, no_wait)


def remove_license(group: GroupArg, sku: SkuArg, no_wait: NoWait = False) -> None:
    """Remove a product from a group; its members lose it (unless a dependency keeps it)."""
    db = database()
    with db.writing() as session:
        found = lookup.group(session, group)
        product = catalog.find_product(session, sku)
        if not session.get(GroupLicense, (found.id, product.sku_id)):
            raise BadRequest(
                f"{product.sku_part_number} is not assigned to group '{found.display_name}'."
            )
        licenses.assign_to_group(session, group=found, add={}, remove=[product.sku_id])
        group_id, part = found.id, product.sku_part_number
    output.say(f"Removed {part} from group {found.display_name}.", output.OK)
    _finish(db, group_id, no_wait)


def reprocess(group: GroupArg, no_wait: NoWait = False) -> None:
    """Evaluate every member again, and users still holding a license from the group."""
    db = database()
    with db.writing() as session:
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
        output.print_json([shapes.assignment_error(item) for item in items])
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


def _finish(db: Database, group_id: UUID, no_wait: bool) -> None:
    evaluated = wait_for_processing(db, no_wait)
    if evaluated is None:
        return
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
    output.say(f"{evaluated} user(s) evaluated.")
    print_group(detail)
