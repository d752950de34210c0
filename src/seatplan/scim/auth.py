"""Bearer tokens for `/scim/v2`: `Seatplan.Provisioning` (or `Seatplan.Admin`) only.

An identity provider's provisioning app gets a token of its own, with that permission
alone; the token's name is the app the audit log names for every change it makes.
Principals are cached in the process with the Graph API's (`services.token_cache`), so a
token revoked through the admin API stops working here at once too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from seatplan.scim.errors import ScimError
from seatplan.services import token_cache, tokens
from seatplan.services.tokens import Principal

#: Seatplan.Admin grants Seatplan.Provisioning too (services/tokens.py).
ALLOWED = (tokens.PROVISIONING,)


async def provisioning_app(request: Request) -> Principal:
    """The caller: 401 without a valid token, 403 without the permission."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ScimError(401, "A bearer token is required.")
    found, principal = token_cache.cached(token)
    if not found:
        principal = await run_in_threadpool(token_cache.look_up, request.app.state.db, token)
    if principal is None:
        raise ScimError(401, "The bearer token is invalid or revoked.")
    if not principal.allows(ALLOWED):
        raise ScimError(
            403, f"The token needs {tokens.PROVISIONING} (or {tokens.ADMIN}) permission."
        )
    return principal


ProvisioningApp = Annotated[Principal, Depends(provisioning_app)]
