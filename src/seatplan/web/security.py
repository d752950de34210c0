"""Signed session cookies and CSRF tokens.

The cookie holds a random session id, the administrator's id (none before sign-in) and
when it was issued, signed with the time by itsdangerous (`services.signing`): it
expires after `MAX_AGE`. The CSRF token of a form is a signature of the session id, so it
changes with every session and needs no storage.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from itsdangerous import BadData

from seatplan.services import signing

COOKIE = "seatplan_session"
#: A signed-in session lasts a working day.
MAX_AGE = 8 * 3600
#: Longer is no cookie of ours (an id, a UUID and a timestamp, signed).
_MAX_COOKIE = 512


@dataclass(frozen=True, slots=True)
class SessionData:
    sid: str
    admin_id: UUID | None
    #: Kept to the microsecond (the signature's own time has whole seconds): a session
    #: issued just after a sign-out must not count as ended by it.
    issued: float

    @property
    def issued_at(self) -> datetime:
        return datetime.fromtimestamp(self.issued, UTC)


def new_session(admin_id: UUID | None = None) -> SessionData:
    return SessionData(secrets.token_urlsafe(24), admin_id, time.time())


def encode(key: bytes, data: SessionData) -> str:
    payload = {"s": data.sid, "a": str(data.admin_id) if data.admin_id else None, "i": data.issued}
    return signing.timed_serializer(key, signing.SESSION).dumps(payload)


def decode(key: bytes, cookie: str | None) -> SessionData | None:
    """The session of a cookie with a valid signature that has not expired; else None."""
    if not cookie or len(cookie) > _MAX_COOKIE:
        return None
    try:
        raw = signing.timed_serializer(key, signing.SESSION).loads(cookie, max_age=MAX_AGE)
        return SessionData(str(raw["s"]), UUID(raw["a"]) if raw["a"] else None, float(raw["i"]))
    except (BadData, ValueError, KeyError, TypeError):
        return None


def csrf_token(key: bytes, data: SessionData) -> str:
    return signing.signer(key, signing.CSRF).get_signature(data.sid).decode()


def csrf_valid(key: bytes, data: SessionData | None, token: str | None) -> bool:
    if data is None or not token:
        return False
    return signing.signer(key, signing.CSRF).verify_signature(data.sid, token)
