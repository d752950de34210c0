"""`Annotated` dependencies of the routes: the database, sessions, the caller's token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from seatplan.api.auth import current_principal
from seatplan.services import audit, transaction
from seatplan.services.signing import SigningKey
from seatplan.services.tokens import Principal
from seatplan.store.db import Database
from seatplan.store.prepared import Reader


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]

P = ParamSpec("P")
T = TypeVar("T")


async def read(
    database: Database,
    work: Callable[Concatenate[Reader, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(reader, …)`: prepared reads in one read transaction (see `store.prepared`).

    For the hot reads, from `async` routes. On SQLite it runs right on the event loop: a
    point read of a local file in WAL mode takes tens of microseconds and does not wait
    for writers, far less than a trip to the thread pool and back (a thread switch, and a
    wake-up of the loop through its self-pipe). A server database answers over the
    network, so there the work goes to the thread pool and the loop serves others.
    """

    def run() -> T:
        with database.prepared() as reader:
            return work(reader, *args, **kwargs)

    if database.is_sqlite:
        return run()
    return await run_in_threadpool(run)


async def _reading(database: DatabaseDep) -> AsyncIterator[Session]:
    # Async, so that it costs no trip to the thread pool: the session connects on its
    # first query (in the route's thread) and closing a read-only transaction is cheap.
    with database.reading() as session:
        yield session


def _writing(
    request: Request,
    database: DatabaseDep,
    caller: Annotated[Principal, Depends(current_principal)],
) -> Iterator[Session]:
    """Committed when the route returns, before the answer is sent; rolled back on error.

    What it changes is audited as done by the caller's token (an app, in Graph's terms),
    with the request's `request-id` as the correlationId of its events.
    """
    with transaction.writing(database) as session:
        audit.act_as(session, audit.Actor("app", caller.name, caller.token_id))
        correlation = _as_guid(getattr(request.state, "request_id", None))
        if correlation is not None:  # else the transaction draws its own
            audit.correlate(session, correlation)
        yield session


def _as_guid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


#: A read-only transaction for the route.
SessionDep = Annotated[Session, Depends(_reading, scope="function")]
#: A write transaction (on SQLite it holds the write lock from its start).
WriteSessionDep = Annotated[Session, Depends(_writing, scope="function")]


def signing_secret(request: Request) -> bytes:
    """The key that signs `$skiptoken`s (`services.signing`)."""
    key: SigningKey = request.app.state.signing_key
    return key()


SecretDep = Annotated[bytes, Depends(signing_secret)]
