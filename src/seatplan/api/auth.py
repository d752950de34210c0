"""Bearer tokens and the permission every route declares with `Require`.

A token's principal is cached in the process (`services.token_cache`): a token revoked
through this process's admin API stops working at once, one revoked elsewhere (the CLI,
another server process) within `token_cache.CACHE_SECONDS`.
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from seatplan.api.errors import DENIED, UNAUTHENTICATED, GraphError
from seatplan.services import token_cache, tokens
from seatplan.services.tokens import Principal


async def current_principal(request: Request) -> Principal:
    """The caller of a valid token, or 401 InvalidAuthenticationToken."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise GraphError(401, UNAUTHENTICATED, "Access token is empty.")
    found, principal = token_cache.cached(token)
    if not found:
        principal = await run_in_threadpool(token_cache.look_up, request.app.state.db, token)
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
