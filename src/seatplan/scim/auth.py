"""Bearer tokens for `/scim/v2`: `Seatplan.Provisioning` (or `Seatplan.Admin`) only.

An identity provider's provisioning app gets a token of its own, with that permission
alone; the token's name is the app the audit log names for every change it makes.
Principals are cached in the process for `CACHE_SECONDS` (as the Graph API's are).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from seatplan.scim.errors import ScimError
from seatplan.services import tokens
from seatplan.services.tokens import Principal
from seatplan.store.db import Database

CACHE_SECONDS = 5.0
_MAX_CACHED = 10_000
_cache: dict[str, tuple[float, Principal | None]] = {}
#: Seatplan.Admin grants Seatplan.Provisioning too (services/tokens.py).
ALLOWED = (tokens.PROVISIONING,)


def _lookup(database: Database, token: str) -> Principal | None:
    with database.reading() as session:
        return tokens.authenticate(session, token)


async def provisioning_app(request: Request) -> Principal:
    """The caller: 401 without a valid token, 403 without the permission."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ScimError(401, "A bearer token is required.")
    now = time.monotonic()
    cached = _cache.get(token)
    if cached is not None and cached[0] > now:
        principal = cached[1]
    else:
        principal = await run_in_threadpool(_lookup, request.app.state.db, token)
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[token] = (now + CACHE_SECONDS, principal)
    if principal is None:
        raise ScimError(401, "The bearer token is invalid or revoked.")
    if not principal.allows(ALLOWED):
        raise ScimError(
            403, f"The token needs {tokens.PROVISIONING} (or {tokens.ADMIN}) permission."
        )
    return principal


ProvisioningApp = Annotated[Principal, Depends(provisioning_app)]
