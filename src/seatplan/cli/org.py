"""`seatplan org`: the organization's name, country and default usage location."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.services import organization, transaction
from seatplan.services.errors import BadRequest
from seatplan.shapes import admin as shapes

app = typer.Typer(help="The organization.", no_args_is_help=True)


@app.command("show")
def show(json: Json = False) -> None:
    """Show the organization."""
    with database().reading() as session:
        data = shapes.organization_settings(organization.get(session))
    if json:
        output.print_json(data)
        return
    output.fields(
        [
            ("Name", data["displayName"]),
            ("Id", data["id"]),
            ("Country", data["countryLetterCode"]),
            ("Default usage location", data["defaultUsageLocation"]),
            ("Offer freed seats automatically", data["autoOfferSeats"]),
            ("License nested groups' members", data["licenseNestedGroups"]),
        ]
    )


@app.command("set")
def set_(
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="ISO country code; '' clears it.")
    ] = None,
    default_usage_location: Annotated[
        str | None,
        typer.Option("--default-usage-location", help="ISO country code; '' clears it."),
    ] = None,
    auto_offer_seats: Annotated[
        bool | None,
        typer.Option(
            "--auto-offer-seats/--no-auto-offer-seats",
            help="Offer freed or bought seats to users waiting in CountViolation.",
        ),
    ] = None,
    license_nested_groups: Annotated[
        bool | None,
        typer.Option(
            "--license-nested-groups/--no-license-nested-groups",
            help="A group's licenses go to the members of the groups nested in it too.",
        ),
    ] = None,
    no_wait: NoWait = False,
) -> None:
    """Change the organization; the users a change affects are evaluated again."""
    changes: dict[str, Any] = {}
    if name is not None:
        changes["display_name"] = name
    if country is not None:
        changes["country_letter_code"] = country
    if default_usage_location is not None:
        changes["default_usage_location"] = default_usage_location
    if auto_offer_seats is not None:
        changes["auto_offer_seats"] = auto_offer_seats
    if license_nested_groups is not None:
        changes["license_nested_groups"] = license_nested_groups
    if not changes:
        raise BadRequest("Nothing to change: give at least one option.")
    db = database()
    with transaction.writing(db) as session:
        organization.update(session, **changes)
    wait_for_processing(db, no_wait)
    output.say("Organization updated.", output.OK)
