"""`seatplan groups`: create, list, show and delete groups; their members."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from seatplan.cli import output, rule_preview
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.services import groups as group_service
from seatplan.services import lookup, reports, transaction
from seatplan.services.errors import BadRequest
from seatplan.shapes import reports as shapes

app = typer.Typer(help="Groups, their members and their licenses.", no_args_is_help=True)

GroupArg = Annotated[str, typer.Argument(help="displayName or id.")]
MembersArg = Annotated[
    list[str],
    typer.Argument(help="Users (userPrincipalNames or ids) or groups (displayNames or ids)."),
]
GroupMail = Annotated[str | None, typer.Option("--mail", help="The group's SMTP address.")]
MailNickname = Annotated[str | None, typer.Option("--mail-nickname", help="Mail alias.")]
GroupVisibility = Annotated[
    str | None, typer.Option("--visibility", help="Private, Public or HiddenMembership.")
]
Rule = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help='A membership rule (user.department -eq "Sales"): the group becomes dynamic.',
    ),
]


def rule_changes(
    *,
    rule: str | None = None,
    static: bool = False,
    pause: bool = False,
    resume: bool = False,
) -> dict[str, Any]:
    """The service's arguments for the rule options of `groups add` and `groups set`.

    The one place the command line turns rule options into a change (a rule is checked
    by the service, with the position and reason of an error, before anything is written).
    """
    if sum([rule is not None, static]) > 1 or (static and (pause or resume)):
        raise BadRequest("--static cannot be combined with --rule, --pause or --resume.")
    if pause and resume:
        raise BadRequest("--pause and --resume cannot be combined.")
    changes: dict[str, Any] = {}
    if static:
        changes["dynamic"] = False
    if rule is not None:
        changes["dynamic"] = True
        changes["membership_rule"] = rule
    if pause or resume:
        changes["membership_rule_processing_state"] = "Paused" if pause else "On"
    return changes


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Display name.")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    security: Annotated[
        bool,
        typer.Option(
            "--security/--no-security",
            help="--no-security makes a mail-enabled distribution group (it cannot "
            "carry licenses).",
        ),
    ] = True,
    mail: GroupMail = None,
    mail_nickname: MailNickname = None,
    visibility: GroupVisibility = None,
    rule: Rule = None,
    paused: Annotated[
        bool, typer.Option("--paused", help="With --rule: create it Paused (no members yet).")
    ] = False,
    no_wait: NoWait = False,
    dry_run: rule_preview.DryRun = False,
) -> None:
    """Create a group (a security group unless --no-security); --rule makes it dynamic
    (--dry-run: who the rule would make members, nothing created)."""
    dynamic = rule_changes(rule=rule, pause=paused)
    if paused and rule is None:
        raise BadRequest("--paused needs --rule.")
    if dry_run:
        rule_preview.dry_run(None, rule)
        return
    db = database()
    with transaction.writing(db) as session:
        group = group_service.create(
            session,
            display_name=name,
            description=description,
            security_enabled=security,
            mail_enabled=not security,
            mail=mail,
            mail_nickname=mail_nickname,
            visibility=visibility,
            group_types=["DynamicMembership"] if dynamic else [],
            membership_rule=dynamic.get("membership_rule"),
            membership_rule_processing_state=dynamic.get("membership_rule_processing_state"),
        )
        name, group_id = group.display_name, group.id
    if dynamic:
        wait_for_processing(db, no_wait)
    output.say(f"Added group {name} ({group_id}).", output.OK)


@app.command("set")
def set_(
    group: GroupArg,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    mail: GroupMail = None,
    mail_nickname: MailNickname = None,
    visibility: GroupVisibility = None,
    rule: Rule = None,
    static: Annotated[
        bool, typer.Option("--static", help="Members are kept by hand again (the current stay).")
    ] = False,
    pause: Annotated[bool, typer.Option("--pause", help="Stop the rule changing members.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="The rule decides again (evaluated at once).")
    ] = False,
    no_wait: NoWait = False,
    dry_run: rule_preview.DryRun = False,
) -> None:
    """Change a group's name, description, mail, alias or visibility ('' clears one), or
    its membership rule (--rule, --static, --pause, --resume; --rule --dry-run: who would
    join and leave and what licensing would do, nothing changed)."""
    changes: dict[str, Any] = rule_changes(rule=rule, static=static, pause=pause, resume=resume)
    if dry_run:
        rule_preview.dry_run(group, rule)
        return
    evaluates = bool(changes)
    if name is not None:
        changes["display_name"] = name
    for key, value in (
        ("description", description),
        ("mail", mail),
        ("visibility", visibility),
    ):
        if value is not None:
            changes[key] = value or None
    if mail_nickname:
        changes["mail_nickname"] = mail_nickname
    if not changes:
        raise BadRequest("Nothing to change: give at least one option.")
    db = database()
    with transaction.writing(db) as session:
        found = lookup.group(session, group)
        group_service.update(session, group=found, **changes)
        name = found.display_name
    if evaluates:
        wait_for_processing(db, no_wait)
    output.say(f"Updated {name}.", output.OK)


@app.command("list")
def list_groups(json: Json = False) -> None:
    """Groups with members, products, members in error and processing state."""
    with database().reading() as session:
        items = reports.group_summaries(session)
    if json:
        output.print_json([shapes.group(g) for g in items])
        return
    output.table(
        ["Group", "Members", "Products", "In error", "Processing", "Type"],
        (
            [
                g.display_name,
                str(g.member_count),
                ", ".join(p.sku_part_number for p in g.products) or "-",
                Text(str(g.users_in_error), style=output.ERROR) if g.users_in_error else "0",
                g.processing_state,
                ("Security" if g.security_enabled else "Distribution")
                + (" (dynamic)" if g.rule else ""),
            ]
            for g in items
        ),
    )


@app.command("show")
def show(group: GroupArg, json: Json = False) -> None:
    """A group's licenses, processing state, members and members in error."""
    with database().reading() as session:
        detail = reports.group_detail(session, group_id=lookup.group(session, group).id)
    if json:
        output.print_json(shapes.group(detail))
        return
    print_group(detail)


def print_group(detail: reports.GroupSummary) -> None:
    output.fields(
        [
            ("Group", detail.display_name),
            ("Id", detail.id),
            ("Description", detail.description),
            ("Type", "Security" if detail.security_enabled else "Distribution (mail-enabled)"),
            ("Members", detail.member_count),
            ("Processing state", detail.processing_state),
            *_rule_fields(detail.rule),
        ]
    )
    if detail.products:
        output.table(
            ["Product", "Disabled plans", "Assigned"],
            (
                [p.sku_part_number, ", ".join(p.disabled_plan_names) or "-", output.iso(p.assigned)]
                for p in detail.products
            ),
            title="Licenses",
        )
    else:
        output.say("No licenses.")
    if detail.users_in_error:
        output.say(
            f"{detail.users_in_error} user{'s have' if detail.users_in_error > 1 else ' has'} "
            f"license assignment errors: seatplan groups errors '{detail.display_name}'",
            output.ERROR,
        )


def _rule_fields(rule: reports.RuleSummary | None) -> list[tuple[str, Any]]:
    if rule is None:
        return [("Membership", "assigned (static)")]
    status = rule.status or "-"
    if rule.status is not None:
        status += f" ({rule.joined} joined, {rule.left} left)"
    return [
        ("Membership", "dynamic"),
        ("Rule", rule.text),
        ("Rule processing", rule.state),
        ("Rule status", status),
        ("Members updated", output.iso(rule.updated) if rule.updated else "-"),
        *([("Rule error", rule.error)] if rule.error else []),
    ]


@app.command("delete")
def delete(group: GroupArg, no_wait: NoWait = False) -> None:
    """Delete a group (one that carries licenses must lose them first)."""
    db = database()
    with transaction.writing(db) as session:
        found = lookup.group(session, group)
        name = found.display_name
        group_service.delete_group(session, group=found)
    wait_for_processing(db, no_wait)
    output.say(f"Deleted group {name}.", output.OK)


@app.command("members")
def members(group: GroupArg, json: Json = False) -> None:
    """A group's direct members: users, with the state of the group's licenses for each,
    then the groups nested in it."""
    with database().reading() as session:
        found = lookup.group(session, group)
        items = reports.group_members(session, group_id=found.id)
        nested = reports.member_groups(session, group_id=found.id)
    if json:
        output.print_json(
            [
                {
                    "id": m.id,
                    "userPrincipalName": m.user_principal_name,
                    "displayName": m.display_name,
                    "memberSince": m.since,
                    "licenses": [
                        {"skuPartNumber": sku, "state": state, "error": error}
                        for sku, state, error in m.licenses
                    ],
                }
                for m in items
            ]
            + [
                {"type": "group", "id": g.id, "displayName": g.display_name, "memberSince": g.since}
                for g in nested
            ]
        )
        return
    output.table(
        ["User", "Name", "Licenses from this group"],
        (
            [
                m.user_principal_name,
                m.display_name,
                ", ".join(
                    f"{sku} {state}" + (f" ({e})" if e else "") for sku, state, e in m.licenses
                )
                or "-",
            ]
            for m in items
        ),
        title=f"Members of {found.display_name} ({len(items)})",
    )
    if nested:
        output.table(
            ["Group", "Id"],
            ([g.display_name, str(g.id)] for g in nested),
            title=f"Groups in {found.display_name} ({len(nested)})",
        )


@app.command("add-member")
def add_member(group: GroupArg, members: MembersArg, no_wait: NoWait = False) -> None:
    """Add users or groups to a group (all of them, or none if one cannot be added)."""
    _change_members(group, members, no_wait, add=True)


@app.command("remove-member")
def remove_member(group: GroupArg, members: MembersArg, no_wait: NoWait = False) -> None:
    """Remove users or groups from a group (all of them, or none if one is not a member)."""
    _change_members(group, members, no_wait, add=False)


def _change_members(group: str, members: list[str], no_wait: bool, *, add: bool) -> None:
    db = database()
    with transaction.writing(db) as session:
        found = lookup.group(session, group)
        change = group_service.add_user_or_group if add else group_service.remove_user_or_group
        for ref in members:
            change(session, group=found, member=lookup.member(session, ref))
        name = found.display_name
    wait_for_processing(db, no_wait)
    verb = "Added" if add else "Removed"
    output.say(f"{verb} {len(members)} member(s) {'to' if add else 'from'} {name}.", output.OK)
