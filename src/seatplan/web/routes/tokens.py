"""API access tokens (for the Graph and admin API, and SCIM's `Seatplan.Provisioning`):
everyone signed in sees them, a Global Administrator creates and revokes them.

The same service as `seatplan token` and `/admin/tokens`; a new token is shown once.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import token_cache, tokens
from seatplan.services.tokens import TokenInfo
from seatplan.web.auth import CurrentAdmin, DatabaseDep, TokensForm
from seatplan.web.confirm import Confirmation, confirm_page, require
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import text
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _page(
    request: Request,
    db: DatabaseDep,
    *,
    created: tuple[TokenInfo, str] | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    ticked: frozenset[str] = frozenset(),
) -> Response:
    with db.reading() as session:
        found = tokens.list_tokens(session)
    return render(
        request,
        "tokens.html",
        status=400 if errors else 200,
        tokens=sorted(found, key=lambda t: (t.revoked is not None, t.name.lower(), t.id)),
        permissions=tokens.PERMISSIONS,
        provisioning=tokens.PROVISIONING,
        created=created,
        ticked=ticked,
        errors=errors,
        typed=typed,
    )


@router.get("/tokens")
def token_list(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _page(request, db)


@router.post("/tokens")
def create_token(request: Request, form: TokensForm, db: DatabaseDep) -> Response:
    name = text(form, "name", limit=256)
    scopes = [s for s in form.getlist("scope") if isinstance(s, str)][: len(tokens.PERMISSIONS)]
    made: list[tuple[TokenInfo, str]] = []

    def create(session: Session) -> None:
        made.append(tokens.create(session, name=name, scopes=scopes))

    message = attempt(request, db, create)
    if message:
        return _page(
            request, db, errors={"new": message}, typed={"name": name}, ticked=frozenset(scopes)
        )
    # Shown in this answer only (never stored, not in a redirect's address).
    return _page(request, db, created=made[0])


@router.get("/tokens/revoke")
def confirm_revoke_token(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    require(admin.can_manage_admins)
    token_id = text(request.query_params, "token", limit=64)
    with db.reading() as session:
        found = next((t for t in tokens.list_tokens(session) if t.id == token_id), None)
    name = found.name if found else token_id
    return confirm_page(
        request,
        Confirmation(
            title=f"Revoke the token {name}?",
            action=request.url.path,
            button=f"Revoke {name}",
            back="/tokens",
            fields={"token": token_id},
            facts=("Every program using it is refused from now on, on every face.",),
            preview=None if found else "This token does not exist.",
            section="tokens",
        ),
    )


@router.post("/tokens/revoke")
def revoke_token(request: Request, form: TokensForm, db: DatabaseDep) -> Response:
    token_id = text(form, "token", limit=64)

    def revoke(session: Session) -> None:
        tokens.revoke(session, token_id=token_id)
        token_cache.forget_all_after_commit(session)  # on every face, once committed

    message = attempt(request, db, revoke)
    if message:
        return _page(request, db, errors={f"token-{token_id}": message})
    return redirect("/tokens", "token-revoked")
