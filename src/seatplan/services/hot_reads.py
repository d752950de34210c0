"""The Graph API's two busiest reads, as prepared reads on the driver's cursor.

A raw path, kept because it pays: `GET /users/{id}` and `…/licenseDetails` (driven by
`bench/api_reads.py`) read a user, their assignments and the catalog's version. Reading
a user and their assignments through `store.prepared` took 60–150 µs, against 600–1,150 µs
through an ORM session and 430–1,600 µs through Core selects on a session (in process, on
the bench's tenant of 100,000 users, a shared 2-core machine).
Every other read of the API goes through the session (`services.directory`). The records
are directory's, so both paths are shaped by the same code.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, select

from seatplan.catalog import Catalog
from seatplan.services import catalog, lookup
from seatplan.services.directory import (
    ASSIGNMENT_COLUMNS,
    USER_COLUMNS,
    AssignmentRecord,
    UserRecord,
    current_catalog,
)
from seatplan.services.errors import NotFound
from seatplan.store.prepared import Prepared, Reader
from seatplan.store.tables import LicenseAssignment, Organization, User


class _CatalogKey(NamedTuple):
    org_id: UUID
    version: int


_USERS = User.__table__
_ASSIGNMENTS = LicenseAssignment.__table__
_USER_BY_ID = Prepared(select(*USER_COLUMNS).where(_USERS.c.id == bindparam("ref")), UserRecord)
_USER_BY_UPN = Prepared(
    select(*USER_COLUMNS).where(_USERS.c.upn_key == bindparam("ref")), UserRecord
)
_ASSIGNMENTS_OF_USER = Prepared(
    select(*ASSIGNMENT_COLUMNS)
    .where(_ASSIGNMENTS.c.user_id == bindparam("user_id"))
    .order_by(_ASSIGNMENTS.c.sku_id, _ASSIGNMENTS.c.source_id),
    AssignmentRecord,
)
_CATALOG_KEY = Prepared(select(Organization.id, Organization.catalog_version), _CatalogKey)


def user_row(reader: Reader, ref: str | UUID) -> UserRecord:
    """`lookup.user` as a prepared read: a user by id or userPrincipalName (any case)."""
    user_id = lookup.as_uuid(ref)
    found = (
        reader.first(_USER_BY_ID, ref=user_id)
        if user_id is not None
        else reader.first(_USER_BY_UPN, ref=str(ref).strip().lower())
    )
    if found is None:
        raise NotFound("User", ref)
    return found


def assignment_rows(reader: Reader, user_id: UUID) -> list[AssignmentRecord]:
    """`directory.assignments_of` one user as a prepared read, in the same order."""
    return reader.all(_ASSIGNMENTS_OF_USER, user_id=user_id)


def catalog_in_force(reader: Reader) -> Catalog:
    """`current_catalog` for a prepared read: one small query while the version holds
    (`catalog.current`'s own cache, looked up without a session)."""
    found = catalog.cached(*reader.one(_CATALOG_KEY))
    if found is not None:
        return found.catalog
    with reader.session() as session:
        return current_catalog(session)
