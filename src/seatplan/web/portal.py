"""The admin portal, mounted on the API's app: pages at `/`, files at `/static/portal`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.staticfiles import StaticFiles

from seatplan.store.db import Database
from seatplan.web.auth import DatabaseProvider
from seatplan.web.routes import admins, audit, group_changes, groups, licenses, session, users
from seatplan.web.security import SignInThrottle

STATIC = Path(__file__).with_name("static")


def _app_database(request: Request) -> Database:
    """The API's own database (`app.state.db`), as the API's routes get it."""
    database: Database = request.app.state.db
    return database


def mount_portal(app: FastAPI, db_provider: DatabaseProvider | None = None) -> None:
    """Add the portal's pages to `app`; `db_provider` defaults to `app.state.db`."""
    app.state.portal_db_provider = db_provider or _app_database
    app.state.portal_throttle = SignInThrottle()
    for module in (session, licenses, groups, group_changes, users, audit, admins):
        app.include_router(module.router)
    app.mount("/static/portal", StaticFiles(directory=STATIC), name="portal-static")
