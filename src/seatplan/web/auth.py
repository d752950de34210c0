"""Who is signed in, and what a posted form may do: the portal's `Annotated` dependencies.

Every page needs a signed-in administrator (`CurrentAdmin`); every change is a form
read through `ChangeForm`, which refuses (403) a form without its CSRF token and an
administrator whose role changes nothing. `BuyForm`, `AccountsForm`, `TokensForm` (and the other
`_form_only_if` forms) also require a Global Administrator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import admins
from seatplan.services.admins import AdminInfo
from seatplan.services.signing import SigningKey
from seatplan.store.db import Database
from seatplan.web import security
from seatplan.web.errors import Forbidden, SignInRequired
from seatplan.web.forms import read_form
from seatplan.web.security import SessionData


def get_database(request: Request) -> Database:
    """The app's database (`app.state.db`), as the API's routes get it."""
    database: Database = request.app.state.db
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


def portal_key(request: Request) -> bytes:
    """The key that signs sessions and CSRF tokens (`services.signing`)."""
    key: SigningKey = request.app.state.signing_key
    return key()


KeyDep = Annotated[bytes, Depends(portal_key)]


def session_of(request: Request, key: bytes) -> SessionData | None:
    return security.decode(key, request.cookies.get(security.COOKIE))


def remember(request: Request, response: Response, key: bytes, data: SessionData) -> None:
    """Set the session cookie (HttpOnly, SameSite=Lax; Secure over HTTPS)."""
    response.set_cookie(
        security.COOKIE,
        security.encode(key, data),
        max_age=security.MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def current_admin(request: Request, db: DatabaseDep, key: KeyDep) -> AdminInfo:
    data = session_of(request, key)
    if data is None or data.admin_id is None:
        raise SignInRequired()
    with db.reading() as session:
        admin = admins.session_holder(session, admin_id=data.admin_id, issued=data.issued_at)
    if admin is None:
        raise SignInRequired()
    request.state.portal_admin = admin
    request.state.portal_session = data
    request.state.portal_csrf = security.csrf_token(key, data)
    return admin


CurrentAdmin = Annotated[AdminInfo, Depends(current_admin)]


async def _checked_form(request: Request, key: bytes, *, files: int = 0) -> FormData:
    form = await read_form(request, files=files)
    token = form.get("csrf_token")
    data: SessionData | None = getattr(request.state, "portal_session", None)
    if not security.csrf_valid(key, data, token if isinstance(token, str) else None):
        raise Forbidden("The form's security token is missing or out of date: reload the page.")
    return form


async def change_form(request: Request, admin: CurrentAdmin, key: KeyDep) -> FormData:
    form = await _checked_form(request, key)
    if not admin.can_change:
        raise Forbidden(f"A {admin.role} can look at everything but change nothing.")
    return form


async def upload_form(request: Request, admin: CurrentAdmin, key: KeyDep) -> FormData:
    """A change form with one file (the bulk import's upload)."""
    form = await _checked_form(request, key, files=1)
    if not admin.can_change:
        raise Forbidden(f"A {admin.role} can look at everything but change nothing.")
    return form


async def session_form(request: Request, admin: CurrentAdmin, key: KeyDep) -> FormData:
    """A form any signed-in administrator may post (signing out)."""
    return await _checked_form(request, key)


def _form_only_if(
    allowed: Callable[[AdminInfo], bool], refusal: str
) -> Callable[..., Awaitable[FormData]]:
    """A change form that only an administrator `allowed` may post; others get `refusal`."""

    async def checked(
        form: Annotated[FormData, Depends(change_form)], admin: CurrentAdmin
    ) -> FormData:
        if not allowed(admin):
            raise Forbidden(refusal)
        return form

    return checked


buy_form = _form_only_if(
    lambda admin: admin.can_buy,
    "Only a Global Administrator changes what the organization bought.",
)
accounts_form = _form_only_if(
    lambda admin: admin.can_manage_admins,
    "Only a Global Administrator manages administrators.",
)
organization_form = _form_only_if(
    lambda admin: admin.can_manage_admins,
    "Only a Global Administrator changes the organization's settings.",
)
directory_form = _form_only_if(
    lambda admin: admin.can_manage_admins,
    "Only a Global Administrator creates and deletes users and groups.",
)
tokens_form = _form_only_if(
    lambda admin: admin.can_manage_admins,
    "Only a Global Administrator manages access tokens.",
)
webhooks_form = _form_only_if(
    lambda admin: admin.can_manage_admins,
    "Only a Global Administrator manages webhooks.",
)


ChangeForm = Annotated[FormData, Depends(change_form)]
UploadForm = Annotated[FormData, Depends(upload_form)]
AccountsForm = Annotated[FormData, Depends(accounts_form)]
SessionForm = Annotated[FormData, Depends(session_form)]
BuyForm = Annotated[FormData, Depends(buy_form)]
WebhooksForm = Annotated[FormData, Depends(webhooks_form)]
TokensForm = Annotated[FormData, Depends(tokens_form)]
DirectoryForm = Annotated[FormData, Depends(directory_form)]
OrganizationForm = Annotated[FormData, Depends(organization_form)]
