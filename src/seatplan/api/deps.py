"""`Annotated` dependencies of the routes: the database, sessions, the caller's token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from seatplan.api.auth import current_principal
from seatplan.services import tokens
from seatplan.services.tokens import Principal
from seatplan.settings import Settings
from seatplan.store.db import Database


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def _reading(database: DatabaseDep) -> AsyncIterator[Session]:
    # Async, so that it costs no trip to the thread pool: the session connects on its
    # first query (in the route's thread) and closing a read-only transaction is cheap.
    with database.reading() as session:
        yield session


def _writing(database: DatabaseDep) -> Iterator[Session]:
    """Committed when the route returns, before the answer is sent; rolled back on error."""
    with database.writing() as session:
        yield session


#: A read-only transaction for the route.
SessionDep = Annotated[Session, Depends(_reading, scope="function")]
#: A write transaction (on SQLite it holds the write lock from its start).
WriteSessionDep = Annotated[Session, Depends(_writing, scope="function")]
#: The caller: token id, name and granted permissions (routes also declare a `Require`).
CurrentToken = Annotated[Principal, Depends(current_principal)]


def signing_secret(request: Request, database: DatabaseDep) -> bytes:
    """The key that signs `$skiptoken`s: SEATPLAN_SECRET_KEY, or one kept in the database."""
    secret: bytes | None = getattr(request.app.state, "signing_secret", None)
    if secret is None:
        settings: Settings = request.app.state.settings
        if settings.secret_key:
            secret = settings.secret_key.encode()
        else:
            with database.writing() as session:
                secret = tokens.shared_secret(session).encode()
        request.app.state.signing_secret = secret
    return secret


SecretDep = Annotated[bytes, Depends(signing_secret)]
