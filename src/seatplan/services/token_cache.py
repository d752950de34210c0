"""The principals of bearer tokens, cached in the process for `CACHE_SECONDS`.

Every face that takes bearer tokens (the Graph and admin API, SCIM) reads them through
this one cache: a token revoked through this process's admin API stops working at once
on all of them, one revoked elsewhere (the CLI, another server process) within the delay.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from seatplan.services import tokens
from seatplan.services.tokens import Principal
from seatplan.store.db import Database

CACHE_SECONDS = 5.0
_MAX_CACHED = 10_000
_cache: dict[str, tuple[float, Principal | None]] = {}
#: Counts `forget_all` calls: a look-up that began before one does not cache its answer,
#: which may have been read before the revocation committed.
_generation = 0


def cached(token: str) -> tuple[bool, Principal | None]:
    """(True, the principal or None for an invalid token) when a fresh answer is cached;
    (False, None) when the database must be asked (`look_up`)."""
    entry = _cache.get(token)
    if entry is not None and entry[0] > time.monotonic():
        return True, entry[1]
    return False, None


def look_up(database: Database, token: str) -> Principal | None:
    """The token's principal read from the database, and cached (blocking I/O)."""
    began = _generation
    with database.reading() as session:
        principal = tokens.authenticate(session, token)
    if began != _generation:
        return principal
    if len(_cache) >= _MAX_CACHED:
        _cache.clear()
    _cache[token] = (time.monotonic() + CACHE_SECONDS, principal)
    return principal


def forget_all() -> None:
    """Drop every cached principal (after a token is revoked and committed)."""
    global _generation
    _generation += 1
    _cache.clear()


def forget_all_after_commit(session: Session) -> None:
    """`forget_all` once `session`'s transaction commits (never before: a request in
    between would read the token as still valid and cache it again)."""
    event.listen(session, "after_commit", lambda _session: forget_all(), once=True)
