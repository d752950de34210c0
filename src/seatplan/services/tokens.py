"""API access tokens: Graph-style permissions, stored as hashes.

A token reads `spt_<id>_<secret>`: the id is its public prefix (shown when listing,
used to revoke it), the secret 256 random bits. Only sha256 of the whole token is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import audit
from seatplan.services.errors import BadRequest, NotFound
from seatplan.store.tables import AccessToken
from seatplan.store.types import utcnow

ADMIN = "Seatplan.Admin"
#: The SCIM service (`/scim/v2`): an identity provider's provisioning app.
PROVISIONING = "Seatplan.Provisioning"

#: What each permission grants besides itself (Graph: ReadWrite implies Read, and
#: Directory.Read(Write).All covers users, groups and the organization).
IMPLIES: dict[str, frozenset[str]] = {
    "User.Read.All": frozenset(),
    "User.ReadWrite.All": frozenset({"User.Read.All"}),
    "Group.Read.All": frozenset(),
    "Group.ReadWrite.All": frozenset({"Group.Read.All", "GroupMember.ReadWrite.All"}),
    "GroupMember.ReadWrite.All": frozenset({"Group.Read.All"}),
    "LicenseAssignment.ReadWrite.All": frozenset(),
    "Organization.Read.All": frozenset(),
    "AuditLog.Read.All": frozenset(),
    "Directory.Read.All": frozenset({"User.Read.All", "Group.Read.All", "Organization.Read.All"}),
    "Directory.ReadWrite.All": frozenset(
        {
            "Directory.Read.All",
            "User.Read.All",
            "User.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "GroupMember.ReadWrite.All",
            "LicenseAssignment.ReadWrite.All",
            "Organization.Read.All",
        }
    ),
    # An administrator may call the SCIM service, and so give a provisioning app its token.
    ADMIN: frozenset({PROVISIONING}),
    PROVISIONING: frozenset(),
}
PERMISSIONS: tuple[str, ...] = tuple(IMPLIES)

_TOKEN = re.compile(r"spt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    name: str
    scopes: tuple[str, ...]
    created: datetime
    revoked: datetime | None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's id and name, and every permission it grants."""

    token_id: str
    name: str
    granted: frozenset[str]

    def allows(self, any_of: Iterable[str]) -> bool:
        return any(permission in self.granted for permission in any_of)


def canonical(permission: str) -> str:
    """The permission's exact name, whatever the case it was written in."""
    for known in PERMISSIONS:
        if known.casefold() == permission.strip().casefold():
            return known
    raise BadRequest(
        f"Unknown permission '{permission}': expected one of {', '.join(PERMISSIONS)}."
    )


def granted_by(scopes: Iterable[str]) -> frozenset[str]:
    granted: set[str] = set()
    for scope in scopes:
        if scope in IMPLIES:
            granted |= {scope, *IMPLIES[scope]}
    return frozenset(granted)


def not_held(granted: frozenset[str], scopes: Iterable[str]) -> list[str]:
    """The permissions of `scopes` that a token granting `granted` does not hold itself.

    A permission is held when it and everything it implies are granted: a token with
    `Directory.ReadWrite.All` holds `User.Read.All`, one with `Seatplan.Admin` holds no
    other permission.
    """
    wanted = {canonical(scope) for scope in scopes}
    return sorted(scope for scope in wanted if not granted_by([scope]) <= granted)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, *, name: str, scopes: Iterable[str]) -> tuple[TokenInfo, str]:
    """A new token: its description, and the token itself (shown once, never stored)."""
    if not name.strip():
        raise BadRequest("A token needs a name.")
    if len(name.strip()) > 128:
        raise BadRequest("A token's name is at most 128 characters.")
    wanted = sorted({canonical(scope) for scope in scopes})
    if not wanted:
        raise BadRequest("A token needs at least one permission (scope).")
    token_id = secrets.token_hex(6)
    token = f"spt_{token_id}_{secrets.token_urlsafe(32)}"
    row = AccessToken(
        id=token_id, name=name.strip(), token_hash=_hash(token), scopes=" ".join(wanted)
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        activity="Add access token",
        category="ApplicationManagement",
        targets=[audit.target("AccessToken", token_id, row.name)],
        modified=[audit.changed("Scopes", None, row.scopes)],
    )
    return _info(row), token


def list_tokens(session: Session) -> list[TokenInfo]:
    rows = session.scalars(select(AccessToken).order_by(AccessToken.created, AccessToken.id))
    return [_info(row) for row in rows]


def revoke(session: Session, *, token_id: str) -> TokenInfo:
    row = session.get(AccessToken, token_id.strip().removeprefix("spt_").split("_")[0])
    if row is None:
        raise NotFound("Token", token_id)
    if row.revoked is None:
        row.revoked = utcnow()
        session.flush()
        audit.record(
            session,
            activity="Revoke access token",
            category="ApplicationManagement",
            targets=[audit.target("AccessToken", row.id, row.name)],
        )
    return _info(row)


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None for anything else."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    found = session.execute(
        select(AccessToken.name, AccessToken.token_hash, AccessToken.scopes).where(
            AccessToken.id == match.group(1), AccessToken.revoked.is_(None)
        )
    ).first()
    if found is None or not hmac.compare_digest(found.token_hash, _hash(token)):
        return None
    return Principal(match.group(1), found.name, granted_by(found.scopes.split()))


def _info(row: AccessToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        scopes=tuple(row.scopes.split()),
        created=row.created,
        revoked=row.revoked,
    )
