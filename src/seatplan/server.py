"""The application: the one place that puts the API, the portal and the worker together.

The faces (`api`, `web`) each offer a function that adds their routes to an app and do
not import each other; this module builds the app, its lifespan and the worker thread.
`seatplan serve` hands `app_from_environment` to uvicorn.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from seatplan.api.access import AccessLog
from seatplan.api.metrics import mount_metrics
from seatplan.api.mount import DESCRIPTION, mount_api
from seatplan.processing import worker
from seatplan.scim import mount_scim
from seatplan.services import gauges
from seatplan.services.signing import SigningKey
from seatplan.settings import NO_WORKER_ENV, Settings, get_settings
from seatplan.store import deadline, faults, migrate
from seatplan.store.db import Database
from seatplan.store.types import utcnow
from seatplan.web import mount_portal
from seatplan.web.errors import pages_or

log = logging.getLogger(__name__)

#: `/readyz` reports a fault that a request or the worker met this recently.
FAULT_MEMORY_SECONDS = 30.0


def create_app(
    db: Database | None = None, settings: Settings | None = None, *, run_worker: bool = False
) -> FastAPI:
    """The application over `db` (opened from the settings when None; then closed on shutdown).

    With `run_worker`, a thread drains the licensing queue while the app runs.
    """
    settings = settings or get_settings()
    owned = db is None
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker:
            thread = threading.Thread(
                target=worker.run,
                kwargs={
                    "db": database,
                    "batch_size": settings.batch_size,
                    "poll_seconds": settings.poll_seconds,
                    "stop": stop,
                },
                name="seatplan-worker",
                daemon=True,
            )
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=60)
                if thread.is_alive():
                    log.warning("the worker did not stop within 60 s")
            if owned:
                database.dispose()

    app = FastAPI(
        title="Seatplan",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.state.db = database
    app.state.settings = settings
    app.state.signing_key = SigningKey(database, settings.secret_key)
    mount_api(app)  # first: its routes are the busiest, and FastAPI matches in order
    mount_scim(app)
    mount_portal(app)
    # Unknown addresses and wrong methods: the API's JSON, or the portal's HTML page.
    api_handler = app.exception_handlers[StarletteHTTPException]
    app.add_exception_handler(StarletteHTTPException, pages_or(api_handler))
    _mount_probes(app)
    mount_metrics(app)
    app.add_middleware(TimeLimit, seconds=settings.statement_timeout_seconds)
    # A request for a host not served is refused before anything reads it.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    # Outermost: refused requests are logged and counted too.
    app.add_middleware(AccessLog)
    return app


class TimeLimit:
    """Every request's queries are cancelled past `seconds` (see `store.deadline`)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with deadline.time_limit(self.seconds):
            await self.app(scope, receive, send)


def _mount_probes(app: FastAPI) -> None:
    """`/healthz` (the process answers) and `/readyz` (it can serve), for load balancers."""
    app.add_api_route("/healthz", _healthz, include_in_schema=False)
    app.add_api_route("/readyz", _readyz, include_in_schema=False)


# Module-level endpoints that read the app's state through the request: FastAPI caches
# endpoint callables by identity, so a closure over an app or its database would keep every
# app a process builds alive (the test suite builds hundreds).
async def _healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _readyz(request: Request) -> JSONResponse:
    state = request.app.state
    reason = not_ready(state.db, state.signing_key, state.settings.ready_max_lag_seconds)
    if reason is None:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)


def not_ready(
    database: Database, signing_key: SigningKey, max_lag_seconds: float = 0.0
) -> str | None:
    """Why this process cannot serve (None when it can): the schema, writes, the workers'
    lag, the signing key, and the last fault seen.

    One statement asks the database for the first three (`gauges.readiness`; on SQLite
    whether it takes writes is the file's permissions); the signing key is read once per
    process, then kept.
    """
    try:
        with database.engine.connect() as connection:
            probe = gauges.readiness(connection)
            read_only = (
                probe.read_only if probe.read_only is not None else (faults.read_only(connection))
            )
        signing_key()
    except faults.database_errors() as error:
        log.warning("not ready: %s", error)
        return faults.unavailable(error) or (
            "The database cannot be read; is it migrated (`seatplan db upgrade`)?"
        )
    if probe.revision != migrate.head():
        return (
            f"The database schema is at revision {probe.revision}; this Seatplan needs "
            f"{migrate.head()}: run `seatplan db upgrade`."
        )
    if read_only:
        return faults.READ_ONLY
    if max_lag_seconds and probe.head_queued_at is not None:
        waited = (utcnow() - probe.head_queued_at).total_seconds()
        if waited > max_lag_seconds:
            return (
                f"The workers are behind: the user next in line has been queued for "
                f"{waited:.0f} s (more than SEATPLAN_READY_MAX_LAG_SECONDS, "
                f"{max_lag_seconds:g}); is a `seatplan worker` running?"
            )
    return faults.recent(FAULT_MEMORY_SECONDS)


def app_from_environment() -> FastAPI:
    """The factory `seatplan serve` gives uvicorn (settings from SEATPLAN_*)."""
    app = create_app(run_worker=os.environ.get(NO_WORKER_ENV) != "1")
    # What exists now (modules, the app, its schemas) lives as long as the process: out
    # of the collector's sight, a full collection no longer walks it in the middle of
    # requests (30 to 60 ms measured on the development machine: a p99 by itself).
    gc.collect()
    gc.freeze()
    return app
