"""`seatplan users`: create, list, show, change and delete users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.text import Text

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.cli.option_bundles import with_bundle
from seatplan.services import lookup, reports, transaction
from seatplan.services import users as user_service
from seatplan.services.errors import BadRequest
from seatplan.shapes import reports as shapes

app = typer.Typer(help="Users and their direct licenses.", no_args_is_help=True)

UserArg = Annotated[str, typer.Argument(help="userPrincipalName or id.")]
DisplayName = Annotated[str | None, typer.Option("--name", help="Display name.")]


@dataclass(frozen=True)
class Profile:
    """The profile options of `users add` and `users set` (None: not given)."""

    department: Annotated[str | None, typer.Option("--department")] = None
    job_title: Annotated[str | None, typer.Option("--job-title")] = None
    given_name: Annotated[str | None, typer.Option("--given-name")] = None
    surname: Annotated[str | None, typer.Option("--surname")] = None
    mail: Annotated[
        str | None, typer.Option("--mail", help="SMTP address (the primary proxy).")
    ] = None
    company: Annotated[str | None, typer.Option("--company")] = None
    office: Annotated[str | None, typer.Option("--office", help="Office location.")] = None
    employee_id: Annotated[str | None, typer.Option("--employee-id")] = None
    user_type: Annotated[str | None, typer.Option("--user-type", help="Member or Guest.")] = None

    def properties(self) -> dict[str, str | None]:
        """The standard properties given (by attribute), '' clearing one."""
        given = {
            "given_name": self.given_name,
            "surname": self.surname,
            "mail": self.mail,
            "company_name": self.company,
            "office_location": self.office,
            "employee_id": self.employee_id,
            "user_type": self.user_type,
        }
        return {name: value or None for name, value in given.items() if value is not None}


@app.command("add")
@with_bundle("profile", Profile)
def add(
    upn: Annotated[str, typer.Argument(help="userPrincipalName (name@domain).")],
    name: DisplayName = None,
    usage_location: Annotated[
        str | None, typer.Option("--usage-location", help="ISO country code.")
    ] = None,
    profile: Profile = Profile(),
) -> None:
    """Create a user."""
    with transaction.writing(database()) as session:
        user = user_service.create(
            session,
            user_principal_name=upn,
            display_name=name,
            usage_location=usage_location,
            department=profile.department,
            job_title=profile.job_title,
            properties=profile.properties(),
        )
        output.say(f"Added user {user.user_principal_name} ({user.id}).", output.OK)


@app.command("list")
def list_users(
    search: Annotated[
        str | None, typer.Option("--search", help="Part of the UPN or display name.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="At most this many users.")] = 100,
    json: Json = False,
) -> None:
    """Users by userPrincipalName, with their products and license errors."""
    with database().reading() as session:
        items = reports.user_summaries(session, search=search, top=top)
    if json:
        output.print_json([shapes.user_summary(item) for item in items])
        return
    output.table(
        ["User", "Name", "Location", "Enabled", "Products", "Errors"],
        (
            [
                u.user_principal_name,
                u.display_name,
                output.text(u.usage_location),
                output.text(u.account_enabled),
                ", ".join(u.products) or "-",
                Text(str(u.errors), style=output.ERROR) if u.errors else output.text(None),
            ]
            for u in items
        ),
    )


@app.command("show")
def show(user: UserArg, json: Json = False) -> None:
    """A user's profile, effective usage location and every license assignment by source."""
    with database().reading() as session:
        detail = reports.user_detail(session, user_id=lookup.user(session, user).id)
    if json:
        output.print_json(shapes.user_detail(detail))
        return
    output.fields(
        [
            ("User", detail.user_principal_name),
            ("Name", detail.display_name),
            ("Id", detail.id),
            ("Usage location", detail.usage_location),
            ("Effective usage location", detail.effective_usage_location),
            ("Account enabled", detail.account_enabled),
            ("Department", detail.department),
            ("Job title", detail.job_title),
            ("Groups", ", ".join(g.display_name for g in detail.groups)),
        ]
    )
    print_licenses(detail)


def print_licenses(detail: reports.UserDetail) -> None:
    if not detail.licenses:
        output.say("No license assignments.")
        return
    output.table(
        ["Product", "Assigned by", "State", "Error", "Disabled plans"],
        (
            [
                v.sku_part_number,
                v.source,
                output.state_text(v.state),
                output.error_text(v.error),
                ", ".join(v.disabled_plan_names) or "-",
            ]
            for v in detail.licenses
        ),
        title=f"Licenses of {detail.user_principal_name}",
    )
    for v in detail.licenses:
        plans = ", ".join(v.enabled_plan_names) or "none"
        output.paragraph(f"{v.sku_part_number} ({v.source}) enabled plans: {plans}")


@app.command("set")
@with_bundle("profile", Profile)
def set_(
    user: UserArg,
    name: DisplayName = None,
    usage_location: Annotated[
        str | None, typer.Option("--usage-location", help="ISO country code; '' clears it.")
    ] = None,
    enabled: Annotated[bool | None, typer.Option("--enabled/--disabled")] = None,
    profile: Profile = Profile(),
    no_wait: NoWait = False,
) -> None:
    """Change a user.

    A new usage location must suit the user's direct licenses; their group licenses are
    evaluated again. An empty --usage-location (or other text option) clears it.
    """
    properties = profile.properties()
    changes: dict[str, Any] = {}
    if name is not None:
        changes["display_name"] = name
    if usage_location is not None:
        changes["usage_location"] = usage_location
    if enabled is not None:
        changes["account_enabled"] = enabled
    if profile.department is not None:
        changes["department"] = profile.department or None
    if profile.job_title is not None:
        changes["job_title"] = profile.job_title or None
    if not changes and not properties:
        raise BadRequest("Nothing to change: give at least one option.")
    db = database()
    with transaction.writing(db) as session:
        found = lookup.user(session, user)
        user_service.update(session, user=found, properties=properties, **changes)
        upn = found.user_principal_name
    wait_for_processing(db, no_wait)
    output.say(f"Updated {upn}.", output.OK)


@app.command("delete")
def delete(user: UserArg, no_wait: NoWait = False) -> None:
    """Delete a user; their seats are freed."""
    db = database()
    with transaction.writing(db) as session:
        found = lookup.user(session, user)
        upn = found.user_principal_name
        user_service.delete_user(session, user=found)
    wait_for_processing(db, no_wait)
    output.say(f"Deleted {upn}.", output.OK)
