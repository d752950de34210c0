"""Bring a database to a usable state: schema, organization, signing key, built-in catalog."""

from __future__ import annotations

from seatplan.services import catalog, signing
from seatplan.services import organization as org_service
from seatplan.store import migrate
from seatplan.store.db import Database


def initialize(db: Database) -> bool:
    """Migrate to the newest schema and seed what a new database needs.

    Returns True when the built-in catalog was written (a new database).
    """
    migrate.upgrade(db.engine)
    with db.writing() as session:
        org_service.ensure(session)
        signing.ensure_key(session)
        return catalog.seed_builtin(session)
