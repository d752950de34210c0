"""Signed session cookies, CSRF tokens and the growing delay after failed sign-ins.

The cookie holds a random session id, the administrator's id (none before sign-in) and
when it was issued, signed with the time by itsdangerous (`services.signing`): it
expires after `MAX_AGE`. The CSRF token of a form is a signature of the session id, so it
changes with every session and needs no storage.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
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


class SignInThrottle:
    """After each failed sign-in for a name, the answer waits longer: 0.5 s, 1 s, 2 s … 8 s.

    Attempts for one name wait their turn (a lock per name), so parallel guesses queue
    instead of sharing one delay. Failures are forgotten `window` seconds after the last.
    """

    def __init__(
        self,
        *,
        base: float = 0.5,
        cap: float = 8.0,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base, self.cap, self.window, self.clock = base, cap, window, clock
        self._failures: dict[str, tuple[int, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def key(username: str) -> str:
        return username.strip().casefold()[:256]

    def failures(self, key: str) -> int:
        count, last = self._failures.get(key, (0, 0.0))
        return count if self.clock() - last < self.window else 0

    def delay(self, key: str) -> float:
        count = self.failures(key)
        return 0.0 if count == 0 else min(self.cap, self.base * 2 ** (count - 1))

    def failed(self, key: str) -> None:
        self._forget_old()
        self._failures[key] = (self.failures(key) + 1, self.clock())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def _forget_old(self) -> None:
        if len(self._failures) < 10_000:
            return
        now = self.clock()
        for key, (_, last) in list(self._failures.items()):
            if now - last >= self.window:
                self._failures.pop(key, None)
                lock = self._locks.get(key)
                if lock is not None and not lock.locked():
                    self._locks.pop(key, None)
