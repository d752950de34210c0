"""`/admin/tokens`: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from seatplan.api.admin.bodies import TokenCreate
from seatplan.api.admin.routes import admin
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.api.errors import DENIED, GraphError
from seatplan.api.graph.common import require, responses
from seatplan.services import token_cache, tokens
from seatplan.services.tokens import ADMIN, Principal
from seatplan.shapes import admin as shapes

router = APIRouter(prefix="/tokens", tags=["admin: tokens"])


@router.get("", **admin("Tokens"))
def list_tokens(session: SessionDep) -> list[shapes.Token]:
    """Every token by its id (the public prefix); the tokens themselves are never kept."""
    return [shapes.token(info) for info in tokens.list_tokens(session)]


@router.post(
    "",
    status_code=201,
    responses=responses(status=201, description="Created"),
    summary="Create a token",
)
def create_token(
    caller: Annotated[Principal, require(ADMIN)],  # first: checked before the write begins
    body: TokenCreate,
    session: WriteSessionDep,
) -> shapes.CreatedToken:
    """`token` is shown in this answer only. It may hold only permissions that the
    caller's token holds itself (the command line on the server grants any)."""
    beyond = tokens.not_held(caller.granted, body.scopes)
    if beyond:
        raise GraphError(
            403,
            DENIED,
            "Insufficient privileges to complete the operation. A token can only grant "
            f"permissions it holds itself; this one does not hold {', '.join(beyond)}.",
        )
    info, token = tokens.create(session, name=body.name, scopes=body.scopes)
    return shapes.created_token(info, token)


@router.delete("/{token_id}", **admin("Revoke a token", 204, "Revoked"))
def revoke_token(
    token_id: Annotated[str, Path(description="The token's id.", max_length=64)],
    session: WriteSessionDep,
) -> Response:
    tokens.revoke(session, token_id=token_id)
    # On every face at once (Graph, admin, SCIM), once the revocation is committed.
    token_cache.forget_all_after_commit(session)
    return Response(status_code=204)
