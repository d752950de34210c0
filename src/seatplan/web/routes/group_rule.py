"""A group's membership rule editor: Preview shows who would join and leave and what
licensing would then do, before anything is saved; Save makes the group dynamic with it.

A preview only reads (one read transaction): on SQLite it never holds the write lock,
so other administrators and the worker go on while it evaluates.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.processing import rule_preview
from seatplan.processing.rule_preview import RulePreview
from seatplan.services import dynamic_groups, groups, lookup, reports
from seatplan.settings import Settings
from seatplan.web.auth import ChangeForm, CurrentAdmin, DatabaseDep
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import text, uuid_of
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

#: As long as the admin API takes (Entra's own limit is shorter).
RULE_LIMIT = 4096


def rule_page(
    request: Request,
    db: DatabaseDep,
    group_id: UUID,
    *,
    rule: str | None = None,
    error: str | None = None,
    preview: RulePreview | None = None,
) -> Response:
    """The editor, with the group's rule (or the rule typed), a refusal or a preview."""
    with db.reading() as session:
        group = reports.group_detail(session, group_id=group_id)
    saved = group.rule.text if group.rule else ""
    return render(
        request,
        "group_rule.html",
        status=400 if error else 200,
        group=group,
        rule=saved if rule is None else rule,
        preview=preview,
        errors={"rule": error} if error else None,
    )


@router.get("/groups/{group}/rule")
def rule_editor(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return rule_page(request, db, uuid_of(group))


@router.post("/groups/{group}/rule/preview")
def preview_rule(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    """Who the rule would add and remove, and what licensing would do: nothing changes."""
    group_id, rule = uuid_of(group), text(form, "rule", limit=RULE_LIMIT)
    if not rule:
        return rule_page(request, db, group_id, rule=rule, error="Enter a membership rule.")
    settings: Settings = request.app.state.settings
    try:
        limit = settings.statement_timeout_seconds
        with rule_preview.request_time_limit(limit), db.reading() as session:
            found = rule_preview.preview_rule(
                session,
                group=lookup.group(session, group_id),
                rule_text=rule,
                batch_size=settings.batch_size,
            )
    except dynamic_groups.InvalidRule as invalid:
        return rule_page(request, db, group_id, rule=rule, error=invalid.message)
    return rule_page(request, db, group_id, rule=rule, preview=found)


@router.post("/groups/{group}/rule")
def save_rule(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    """The group becomes dynamic with this rule (or takes it); the worker then evaluates
    it over the directory and licensing follows the members it changes."""
    group_id, rule = uuid_of(group), text(form, "rule", limit=RULE_LIMIT)
    if not rule:
        return rule_page(request, db, group_id, rule=rule, error="Enter a membership rule.")

    def change(session: Session) -> None:
        target = lookup.group(session, group_id)
        groups.update(session, group=target, dynamic=True, membership_rule=rule)

    message = attempt(request, db, change)
    if message:
        return rule_page(request, db, group_id, rule=rule, error=message)
    return redirect(f"/groups/{group_id}#membership-rule", "rule-saved")
