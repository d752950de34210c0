"""`seatplan db upgrade` and `seatplan demo`."""

from __future__ import annotations

import typer
from rich.text import Text

from seatplan.cli import output
from seatplan.cli.context import NoWait, database, wait_for_processing
from seatplan.services import reports, setup

db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema; seed the built-in catalog when new."""
    seeded = setup.initialize(database())
    output.say("Database is up to date.", output.OK)
    output.say(
        "Built-in Microsoft 365 catalog seeded."
        if seeded
        else "Catalog already present: left unchanged."
    )


def demo(no_wait: NoWait = False) -> None:
    """Load a demo tenant (Contoso) in which every licensing problem happens, and show it."""
    from seatplan import demo as demo_data  # the lead's module; imported only when used

    db = database()
    setup.initialize(db)
    if demo_data.load(db):
        output.say("Demo tenant loaded.", output.OK)
    else:
        output.say("The database already holds users: demo not loaded.", output.WARN)
    wait_for_processing(db, no_wait)
    with db.reading() as session:
        skus = reports.sku_summaries(session)
        groups = reports.group_summaries(session)
        errors = reports.assignment_errors(session)
    output.table(
        ["SKU", "Total", "Assigned", "Available"],
        (
            [
                s.sku_part_number,
                str(s.enabled_units),
                str(s.consumed_units),
                _available(s.available),
            ]
            for s in skus
        ),
        title="Products",
    )
    output.table(
        ["Group", "Members", "Products", "Members in error"],
        (
            [
                g.display_name,
                str(g.member_count),
                ", ".join(p.sku_part_number for p in g.products) or "-",
                Text(str(g.users_in_error), style=output.ERROR if g.users_in_error else ""),
            ]
            for g in groups
        ),
        title="Groups",
    )
    output.table(
        ["User", "Product", "Source", "Error"],
        (
            [
                e.user_principal_name,
                e.sku_part_number,
                e.group.display_name if e.group else reports.DIRECT,
                output.error_text(e.error),
            ]
            for e in errors
        ),
        title="Users in error (why, and what to do: seatplan groups errors GROUP)",
    )
    if errors:
        output.say("How to fix them:")
        for fix in demo_data.FIXES:
            output.say(f"  {fix.problem}")
            for command in fix.commands:
                output.say(f"    {command}")


def _available(units: int) -> Text:
    return Text(str(units), style=output.WARN if units <= 0 else "")
