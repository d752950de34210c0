"""Bulk actions on the rows ticked in a list: remove members from a group, set the usage
location of users, reprocess groups.

Each is confirmed first (`web.confirm`): the confirmation names how many users the action
touches, from the preview machinery (the change made in a savepoint, the queue evaluated
as the worker would, everything rolled back). Confirmed, the action is one transaction:
all of it happens, or (a refusal) none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from seatplan.processing.change_preview import ChangePreview
from seatplan.services import groups, licenses, lookup, reports, users
from seatplan.store.tables import Group, User
from seatplan.web.auth import ChangeForm, CurrentAdmin, DatabaseDep
from seatplan.web.confirm import Confirmation, confirm_page, licensing_preview, require
from seatplan.web.errors import PortalError, PortalRoute, attempt
from seatplan.web.forms import text, uuid_of
from seatplan.web.render import redirect

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

#: Rows one bulk action takes at most (a page of a list is 50).
MAX_SELECTED = 500
#: Names a confirmation lists before "and N more".
NAMED = 10


def selected(fields: FormData | QueryParams, name: str) -> list[UUID]:
    """The ticked rows' ids (`name` repeated), each once, in order; none is a refusal."""
    ids = dict.fromkeys(uuid_of(v) for v in fields.getlist(name) if isinstance(v, str))
    if not ids:
        raise PortalError("Select at least one row first.")
    if len(ids) > MAX_SELECTED:
        raise PortalError(f"Select at most {MAX_SELECTED} rows at a time.")
    return list(ids)


def _names(session: Session, kind: type[User] | type[Group], ids: Sequence[UUID]) -> str:
    """The selected rows by name (the first `NAMED`); a row gone since is a refusal."""
    column = User.user_principal_name if kind is User else Group.display_name
    found = dict(session.execute(select(kind.id, column).where(kind.id.in_(ids))).all())
    if len(found) != len(ids):
        raise PortalError("A selected row no longer exists: go back and reload the list.")
    shown = [found[i] for i in ids[:NAMED]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _touched(preview: ChangePreview | str) -> tuple[str, ...]:
    if isinstance(preview, str):
        return ()
    return (f"This touches {_plural(preview.users_evaluated, 'user')}: each is evaluated again.",)


def _fields(name: str, ids: Sequence[UUID], **more: str) -> dict[str, str | list[str]]:
    return {name: [str(i) for i in ids], **more}


def _confirmed(
    request: Request, db: DatabaseDep, change: Callable[[Session], None], back: str, done: str
) -> Response:
    message = attempt(request, db, change)
    if message:
        raise PortalError(message)
    return redirect(back, done)


# -- remove selected members from a group -----------------------------------------------


def _remove_members(group_id: UUID, user_ids: Sequence[UUID]) -> Callable[[Session], None]:
    def change(session: Session) -> None:
        group = lookup.group(session, group_id)
        for user_id in user_ids:
            groups.remove_member(session, group=group, user=lookup.user(session, user_id))

    return change


@router.get("/groups/{group}/members/remove-selected")
def confirm_remove_members(
    request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    require(admin.can_change)
    group_id, user_ids = uuid_of(group), selected(request.query_params, "user")
    with db.reading() as session:
        name = reports.group_detail(session, group_id=group_id).display_name
        who = _names(session, User, user_ids)
    preview = licensing_preview(request, db, _remove_members(group_id, user_ids))
    count = len(user_ids)
    return confirm_page(
        request,
        Confirmation(
            title=f"Remove {_plural(count, 'member')} from {name}?",
            action=request.url.path,
            button=f"Remove {count} from {name}",
            back=f"/groups/{group_id}#members",
            fields=_fields("user", user_ids),
            facts=(f"Leaving {name}: {who}.", *_touched(preview)),
            preview=preview,
            section="groups",
        ),
    )


@router.post("/groups/{group}/members/remove-selected")
def remove_members(request: Request, group: str, form: ChangeForm, db: DatabaseDep) -> Response:
    group_id, user_ids = uuid_of(group), selected(form, "user")
    return _confirmed(
        request,
        db,
        _remove_members(group_id, user_ids),
        f"/groups/{group_id}#members",
        "members-removed",
    )


# -- set the usage location of selected users --------------------------------------------


def _set_location(user_ids: Sequence[UUID], location: str) -> Callable[[Session], None]:
    def change(session: Session) -> None:
        for user_id in user_ids:
            users.update(session, user=lookup.user(session, user_id), usage_location=location)

    return change


@router.get("/users/usage-location")
def confirm_set_location(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    require(admin.can_change)
    user_ids = selected(request.query_params, "user")
    location = text(request.query_params, "usage_location", limit=64).upper()
    with db.reading() as session:
        who = _names(session, User, user_ids)
    preview: ChangePreview | str = (
        "Enter the two-letter country code of the usage location (US, GB, BR…)."
        if not location
        else licensing_preview(request, db, _set_location(user_ids, location), subjects=user_ids)
    )
    count = len(user_ids)
    return confirm_page(
        request,
        Confirmation(
            title=f"Set the usage location of {_plural(count, 'user')} to {location}?",
            action=request.url.path,
            button=f"Set {location} for {count}",
            back="/users",
            fields=_fields("user", user_ids, usage_location=location),
            facts=(f"Users: {who}.", *_touched(preview)),
            preview=preview,
            section="users",
        ),
    )


@router.post("/users/usage-location")
def set_location(request: Request, form: ChangeForm, db: DatabaseDep) -> Response:
    user_ids = selected(form, "user")
    location = text(form, "usage_location", limit=64).upper()
    if not location:
        raise PortalError("Enter the two-letter country code of the usage location.")
    return _confirmed(request, db, _set_location(user_ids, location), "/users", "locations")


# -- reprocess selected groups ------------------------------------------------------------


def _reprocess(group_ids: Sequence[UUID]) -> Callable[[Session], None]:
    def change(session: Session) -> None:
        for group_id in group_ids:
            licenses.reprocess_group(session, group=lookup.group(session, group_id))

    return change


@router.get("/groups/reprocess")
def confirm_reprocess(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    require(admin.can_change)
    group_ids = selected(request.query_params, "group")
    with db.reading() as session:
        names = _names(session, Group, group_ids)
    preview = licensing_preview(request, db, _reprocess(group_ids))
    count = len(group_ids)
    return confirm_page(
        request,
        Confirmation(
            title=f"Reprocess {_plural(count, 'group')}?",
            action=request.url.path,
            button=f"Reprocess {count}",
            back="/groups",
            fields=_fields("group", group_ids),
            facts=(f"Groups: {names}.", *_touched(preview)),
            preview=preview,
            section="groups",
        ),
    )


@router.post("/groups/reprocess")
def reprocess(request: Request, form: ChangeForm, db: DatabaseDep) -> Response:
    return _confirmed(request, db, _reprocess(selected(form, "group")), "/groups", "reprocess-many")
