"""Administrators of the portal: accounts, roles and passwords (Argon2id hashes).

Roles follow Entra's: a Global Administrator changes everything, a License Administrator
changes licenses, groups and users, a Global Reader sees everything and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import audit
from seatplan.services.errors import BadRequest, Conflict, NotFound
from seatplan.store.tables import AdminAccount
from seatplan.store.types import utcnow

GLOBAL_ADMINISTRATOR = "Global Administrator"
LICENSE_ADMINISTRATOR = "License Administrator"
GLOBAL_READER = "Global Reader"
ROLES = (GLOBAL_ADMINISTRATOR, LICENSE_ADMINISTRATOR, GLOBAL_READER)
#: Roles that may change licenses, groups and users.
WRITERS = frozenset({GLOBAL_ADMINISTRATOR, LICENSE_ADMINISTRATOR})
#: Roles that may change what the organization bought (subscriptions).
BUYERS = frozenset({GLOBAL_ADMINISTRATOR})
#: Roles that may add, change and delete administrators.
ACCOUNT_MANAGERS = frozenset({GLOBAL_ADMINISTRATOR})

MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()  # Argon2id, RFC 9106's second recommended parameters
#: Verified when the account is unknown, so that both failures take the same time.
_DUMMY_HASH = _hasher.hash("no such account: the time of a real check")


@dataclass(frozen=True, slots=True)
class AdminInfo:
    id: UUID
    username: str
    role: str
    created: datetime
    last_sign_in: datetime | None

    @property
    def can_change(self) -> bool:
        return self.role in WRITERS

    @property
    def can_buy(self) -> bool:
        return self.role in BUYERS

    @property
    def can_manage_admins(self) -> bool:
        return self.role in ACCOUNT_MANAGERS

    @property
    def actor(self) -> audit.Actor:
        """The administrator as the audit log names who made a change."""
        return audit.Actor("user", self.username, str(self.id), self.username)


def role_named(text: str) -> str:
    """The role's exact name from any spelling: "Global Reader", "global-reader", …"""
    wanted = "".join(ch for ch in text.casefold() if ch.isalnum())
    for role in ROLES:
        if role.replace(" ", "").casefold() == wanted:
            return role
    raise BadRequest(f"Unknown role '{text}': expected one of {', '.join(ROLES)}.")


def _username(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 128 or any(ch.isspace() for ch in name):
        raise BadRequest("A username is 1 to 128 characters, without spaces.")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise BadRequest(f"A password has at most {MAX_PASSWORD} characters.")


def create(session: Session, *, username: str, role: str, password: str) -> AdminInfo:
    name = _username(username)
    canonical = role_named(role)
    check_password(password)
    if _named(session, name) is not None:
        raise Conflict(f"An administrator named '{name}' already exists.")
    row = AdminAccount(
        username=name,
        username_key=name.lower(),
        role=canonical,
        password_hash=_hasher.hash(password),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_ADMINISTRATOR,
        category="RoleManagement",
        targets=[audit.target("Administrator", row.id, name)],
        modified=[audit.changed("Role", None, canonical)],
    )
    return _info(row)


def update(
    session: Session, *, username: str, role: str | None = None, password: str | None = None
) -> AdminInfo:
    """Change an administrator's role, or set a new password (which ends their sessions).

    The last Global Administrator keeps that role: nobody could manage accounts after.
    """
    row = _account(session, username)
    changes = []
    if role is not None:
        canonical = role_named(role)
        if canonical != row.role:
            if row.role == GLOBAL_ADMINISTRATOR:
                _keep_a_global_administrator(session, row, "lose that role")
            changes.append(audit.changed("Role", row.role, canonical))
            row.role = canonical
    if password is not None:
        check_password(password)
        row.password_hash = _hasher.hash(password)
        # Whoever signed in with the old password is signed out.
        row.sessions_valid_after = utcnow()
        changes.append(audit.changed("Password", None, "changed"))
    if not changes:
        return _info(row)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.UPDATE_ADMINISTRATOR,
        category="RoleManagement",
        targets=[audit.target("Administrator", row.id, row.username)],
        modified=changes,
    )
    return _info(row)


def delete(session: Session, *, username: str) -> None:
    """Delete an administrator's account; their sessions stop working with it."""
    row = _account(session, username)
    if row.role == GLOBAL_ADMINISTRATOR:
        _keep_a_global_administrator(session, row, "be deleted")
    session.delete(row)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.DELETE_ADMINISTRATOR,
        category="RoleManagement",
        targets=[audit.target("Administrator", row.id, row.username)],
        modified=[audit.changed("Role", row.role, None)],
    )


def _named(session: Session, username: str) -> AdminAccount | None:
    """The account signing in as `username`, in any case."""
    return session.scalar(
        select(AdminAccount).where(AdminAccount.username_key == username.strip().lower())
    )


def _account(session: Session, username: str) -> AdminAccount:
    row = _named(session, username)
    if row is None:
        raise NotFound("Administrator", username.strip())
    return row


def _keep_a_global_administrator(session: Session, row: AdminAccount, change: str) -> None:
    # Every Global Administrator row locked, in id order, on PostgreSQL: of two demoting
    # each other at once, the second sees the first's change and is refused (SQLite's
    # writing transactions are serial already).
    holders = session.scalars(
        select(AdminAccount.id)
        .where(AdminAccount.role == GLOBAL_ADMINISTRATOR)
        .order_by(AdminAccount.id)
        .with_for_update()
    ).all()
    if not [admin_id for admin_id in holders if admin_id != row.id]:
        raise BadRequest(
            f"'{row.username}' is the last Global Administrator and cannot {change}: "
            "make another administrator Global Administrator first."
        )


def find(session: Session, username: str) -> AdminInfo | None:
    row = _named(session, username)
    return None if row is None else _info(row)


def list_admins(session: Session) -> list[AdminInfo]:
    rows = session.scalars(select(AdminAccount).order_by(AdminAccount.username_key))
    return [_info(row) for row in rows]


def authenticate(session: Session, *, username: str, password: str) -> AdminInfo | None:
    """The account when the password is right; None for a wrong password or an unknown name.

    Both failures cost one Argon2 verification, so that timing does not tell them apart.
    """
    row = _named(session, username)
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.last_sign_in = utcnow()
    session.flush()
    return _info(row)


def session_holder(session: Session, *, admin_id: UUID, issued: datetime) -> AdminInfo | None:
    """The account of a portal session issued at `issued`, unless it was ended since."""
    row = session.get(AdminAccount, admin_id)
    if row is None or issued < row.sessions_valid_after:
        return None
    return _info(row)


def end_sessions(session: Session, *, admin_id: UUID) -> None:
    """Sign out: every session of the account issued until now stops working."""
    row = session.get(AdminAccount, admin_id)
    if row is not None:
        row.sessions_valid_after = utcnow()
        session.flush()


def _info(row: AdminAccount) -> AdminInfo:
    return AdminInfo(row.id, row.username, row.role, row.created, row.last_sign_in)
