"""Administrators of the portal: everyone signed in sees them, a Global Administrator
adds them, changes their role or password, and deletes them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import admins
from seatplan.web.auth import AccountsForm, CurrentAdmin, DatabaseDep
from seatplan.web.confirm import Confirmation, confirm_page, dry_run, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import text
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _page(
    request: Request,
    db: DatabaseDep,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    with db.reading() as session:
        accounts = admins.list_admins(session)
    return render(
        request,
        "admins.html",
        status=400 if errors else 200,
        accounts=accounts,
        roles=admins.ROLES,
        errors=errors,
        typed=typed,
    )


def _account_key(username: str) -> str:
    return f"account-{username.lower()}"


@router.get("/administrators")
def admin_list(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _page(request, db)


@router.post("/administrators")
def add_admin(request: Request, form: AccountsForm, db: DatabaseDep) -> Response:
    username, role = text(form, "username", limit=128), text(form, "role", limit=64)
    password = form.get("password")
    message = attempt(
        request,
        db,
        lambda s: admins.create(
            s,
            username=username,
            role=role,
            password=password if isinstance(password, str) else "",
        ),
    )
    if message:
        return _page(
            request, db, errors={"new": message}, typed={"username": username, "role": role}
        )
    return redirect("/administrators", "admin-added")


# The account is a form field, not a path segment: a username may hold any character
# but a space.
@router.post("/administrators/role")
def change_role(request: Request, form: AccountsForm, db: DatabaseDep) -> Response:
    username, role = text(form, "username", limit=128), text(form, "role", limit=64)
    message = attempt(request, db, lambda s: admins.update(s, username=username, role=role))
    if message:
        return _page(request, db, errors={_account_key(username): message})
    return redirect("/administrators", "admin-saved")


@router.post("/administrators/password")
def change_password(request: Request, form: AccountsForm, db: DatabaseDep) -> Response:
    username, password = text(form, "username", limit=128), form.get("password")
    message = attempt(
        request,
        db,
        lambda s: admins.update(
            s, username=username, password=password if isinstance(password, str) else ""
        ),
    )
    if message:
        return _page(request, db, errors={_account_key(username): message})
    return redirect("/administrators", "admin-password")


@router.get("/administrators/delete")
def confirm_delete_admin(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    require(admin.can_manage_admins)
    username = text(request.query_params, "username", limit=128)
    refusal = dry_run(request, db, lambda s: admins.delete(s, username=username))
    with db.reading() as session:
        found = next((a for a in admins.list_admins(session) if a.username == username), None)
    role = f" ({found.role})" if found else ""
    return confirm_page(
        request,
        Confirmation(
            title=f"Delete administrator {username}?",
            action=request.url.path,
            button=f"Delete {username}",
            back="/administrators",
            fields={"username": username},
            facts=(
                f"{username}{role} can no longer sign in, and their open sessions end now.",
                "The audit log keeps what they did.",
            ),
            preview=refusal,
            section="admins",
        ),
    )


@router.post("/administrators/delete")
def delete_admin(request: Request, form: AccountsForm, db: DatabaseDep) -> Response:
    username = text(form, "username", limit=128)
    message = attempt(request, db, lambda s: admins.delete(s, username=username))
    if message:
        return _page(request, db, errors={_account_key(username): message})
    return redirect("/administrators", "admin-deleted")
