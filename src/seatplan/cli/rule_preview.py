"""`seatplan groups preview-rule`: what a membership rule would do, nothing written.

Also what `--dry-run` of `groups add … --rule` and `groups set … --rule` prints.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from seatplan.cli import output
from seatplan.cli.context import Json, database
from seatplan.processing import rule_preview
from seatplan.processing.rule_preview import NamedUser, RulePreview
from seatplan.services import lookup
from seatplan.services.errors import BadRequest
from seatplan.settings import get_settings
from seatplan.shapes import admin as admin_shapes
from seatplan.store.tables import Group

RuleArg = Annotated[str, typer.Argument(help="A membership rule in Entra's syntax.")]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="With --rule: show who would join and leave and what licensing would do; "
        "change nothing.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("preview-rule")(preview_rule)


def preview_rule(
    group: Annotated[str, typer.Argument(help="displayName or id.")],
    rule: RuleArg,
    json: Json = False,
) -> None:
    """Who a membership rule would add and remove, and what licensing would then do
    (seats, who would be in error and why). Nothing is changed."""
    with database().reading() as session:
        preview(session, lookup.group(session, group), rule, json=json)


def dry_run(group: str | None, rule: str | None) -> None:
    """`--dry-run` of `groups add` (no group yet) and `groups set`: the rule's preview."""
    if rule is None:
        raise BadRequest("--dry-run previews a membership rule: give --rule.")
    with database().reading() as session:
        target = lookup.group(session, group) if group is not None else None
        preview(session, target, rule, json=False)


def preview(session: Session, group: Group | None, rule: str, *, json: bool) -> None:
    """Print the preview of `rule` for `group` (None: a group not created yet)."""
    result = rule_preview.preview_rule(
        session, group=group, rule_text=rule, batch_size=get_settings().batch_size
    )
    if json:
        output.print_json(admin_shapes.rule_preview(result))
    else:
        print_preview(result, group.display_name if group is not None else None)


def print_preview(result: RulePreview, name: str | None) -> None:
    target = f"group {name}" if name else "a new group"
    output.say(f"Preview of the rule for {target}: nothing was changed.", "bold")
    output.say(
        f"{result.users_matching} user(s) match: {result.joining} would join, "
        f"{result.leaving} would leave."
    )
    _people("Joining", result.joiners, result.joining)
    _people("Leaving", result.leavers, result.leaving)
    licensing = result.licensing
    if licensing is None:
        if name:
            output.say(f"{name} assigns no product: only its members would change.")
        return
    output.say(f"{licensing.users_evaluated} user(s) would be evaluated.")
    output.table(
        ["Product", "Seats available now", "After"],
        [
            [s.sku_part_number, str(s.available_now), str(s.available_after)]
            for s in licensing.seats
        ],
    )
    if licensing.outcomes:
        output.table(
            ["Product", "State", "Error", "Users"],
            [
                [
                    o.sku_part_number,
                    output.state_text(o.state),
                    output.error_text(o.error),
                    str(o.users),
                ]
                for o in licensing.outcomes
            ],
        )
    for removal in licensing.removed:
        output.say(f"{removal.sku_part_number} would be removed from {removal.users} user(s).")
    for example in licensing.examples:
        output.say("")
        output.say(
            f"{example.user_principal_name}  {example.sku_part_number}  {example.error}",
            output.ERROR,
        )
        if example.plans:
            output.say(f"  Plans: {', '.join(example.plans)}")
        help_ = example.help
        if help_ is not None:
            output.say(f"  Why: {help_.explanation}")
            for fix in help_.fixes:
                output.say(f"  Fix: {fix}")


def _people(title: str, users: tuple[NamedUser, ...], count: int) -> None:
    if not users:
        return
    more = f" (the first {len(users)} of {count} by name)" if count > len(users) else ""
    output.table(
        ["Name", "userPrincipalName"],
        [[u.display_name, u.user_principal_name] for u in users],
        title=f"{title}{more}",
    )
