"""The admin portal: pages at `/`, files at `/static/portal`, mounted by `seatplan.server`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from seatplan.web.routes import (
    admins,
    audit,
    bulk_actions,
    bulk_import,
    directory,
    group_changes,
    group_import,
    group_rule,
    groups,
    licenses,
    organization,
    session,
    tokens,
    users,
    webhooks,
)
from seatplan.web.throttle import SignInThrottle

STATIC = Path(__file__).with_name("static")


def mount_portal(app: FastAPI) -> None:
    """Add the portal's pages to `app`; they use the app's database (`app.state.db`)."""
    app.state.portal_throttle = SignInThrottle()
    for module in (
        session,
        bulk_actions,  # before groups and users: /groups/reprocess, /users/usage-location
        directory,  # before licenses, groups and users: /licenses/buy, /users/new
        licenses,
        groups,
        group_changes,
        group_rule,
        group_import,
        bulk_import,  # before users: /users/import is not a user's page
        users,
        audit,
        admins,
        webhooks,
        tokens,
        organization,
    ):
        app.include_router(module.router)
    app.mount("/static/portal", StaticFiles(directory=STATIC), name="portal-static")
