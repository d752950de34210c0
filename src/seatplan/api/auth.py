"""Bearer tokens and the permission every route declares with `Require`.

A token's principal is cached in the process for `CACHE_SECONDS`: a token revoked through
this process's admin API stops working at once, one revoked elsewhere (the CLI, another
server process) within that delay.
"""

from __future__ import annotations

import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from seatplan.api.errors import DENIED, UNAUTHENTICATED, GraphError
from seatplan.services import tokens
from seatplan.services.tokens import Principal
from seatplan.store.db import Database

CACHE_SECONDS = 5.0
_MAX_CACHED = 10_000
_cache: dict[str, tuple[float, Principal | None]] = {}


def forget_tokens() -> None:
    """Drop every cached principal (after a token is revoked)."""
    _cache.clear()


def _lookup(database: Database, token: str) -> Principal | None:
    with database.reading() as session:
        return tokens.authenticate(session, token)


async def current_principal(request: Request) -> Principal:
    """The caller of a valid token, or 401 InvalidAuthenticationToken."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise GraphError(401, UNAUTHENTICATED, "Access token is empty.")
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
        raise GraphError(401, UNAUTHENTICATED, "Access token validation failure. Invalid token.")
    return principal


class Require:
    """A route's permission: the caller's token must grant one of `any_of` (else 403)."""

    def __init__(self, *any_of: str) -> None:
        unknown = [p for p in any_of if p not in tokens.IMPLIES]
        if not any_of or unknown:
            raise ValueError(f"unknown permissions {unknown}")
        self.any_of = any_of

    async def __call__(self, request: Request) -> Principal:
        principal = await current_principal(request)
        if not principal.allows(self.any_of):
            raise GraphError(
                403,
                DENIED,
                "Insufficient privileges to complete the operation. "
                f"Requires one of: {', '.join(self.any_of)}.",
            )
        request.state.principal = principal
        return principal

    def __repr__(self) -> str:
        return f"Require({', '.join(self.any_of)})"
