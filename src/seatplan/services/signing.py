"""The deployment's signing key, and the itsdangerous signers made from it.

One key signs what the service hands out and reads back: `$skiptoken`s, delta tokens,
portal session cookies and their CSRF tokens. It is SEATPLAN_SECRET_KEY when that is
set, else a random key that `setup.initialize` writes into the database once (never a
request: a read-only database must still serve), so that every process of a deployment
agrees on it. Each use signs with its own salt, so a token of one kind is never accepted as another.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from functools import lru_cache
from typing import Any

from itsdangerous import Signer, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seatplan.store import dialects, faults
from seatplan.store.db import Database
from seatplan.store.tables import AppSecret

KEY_NAME = "signing-key"
#: Keys of earlier versions (one per use); `ensure_key` deletes them.
_RETIRED = ("odata-signing-key", "portal-session-key")

SKIPTOKEN = "seatplan.skiptoken"
DELTA = "seatplan.delta"
SESSION = "seatplan.session"
CSRF = "seatplan.csrf"

#: HMAC-SHA256, with the salt's key derived by HMAC too (itsdangerous defaults to SHA-1).
_SIGNER: dict[str, Any] = {"key_derivation": "hmac", "digest_method": hashlib.sha256}


class MissingKey(faults.NotSetUp):
    """The database holds no signing key: it was not set up by `seatplan db upgrade`
    (a fault of the deployment: the API and the portal answer 503 with this message)."""


def ensure_key(session: Session) -> None:
    """Write the deployment's key unless there is one (database set-up and upgrades)."""
    session.execute(delete(AppSecret).where(AppSecret.name.in_(_RETIRED)))
    # Two set-ups at once: the first key written stays.
    values = {"name": KEY_NAME, "value": secrets.token_hex(32)}
    session.execute(dialects.insert(session, AppSecret).values(values).on_conflict_do_nothing())


def stored_key(session: Session) -> bytes:
    """The key `ensure_key` wrote; `MissingKey` when there is none."""
    value = session.scalar(select(AppSecret.value).where(AppSecret.name == KEY_NAME))
    if value is None:
        raise MissingKey(
            "The database has no signing key: run `seatplan db upgrade`, "
            "or set SEATPLAN_SECRET_KEY."
        )
    return value.encode()


class SigningKey:
    """The key of a running service: the configured one, else read once from the database."""

    def __init__(self, database: Database, configured: str | None) -> None:
        self._database = database
        self._key = configured.encode() if configured else None
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    with self._database.reading() as session:
                        self._key = stored_key(session)
        return self._key


def _checked(key: bytes) -> bytes:
    if not key:
        raise ValueError("an empty secret cannot sign")
    return key


@lru_cache(maxsize=32)
def serializer(key: bytes, purpose: str) -> URLSafeSerializer:
    """Signed (not encrypted) compact JSON, for tokens that do not expire."""
    return URLSafeSerializer(_checked(key), salt=purpose, signer_kwargs=_SIGNER)


@lru_cache(maxsize=32)
def timed_serializer(key: bytes, purpose: str) -> URLSafeTimedSerializer:
    """Signed JSON with the time it was signed, for tokens that expire (`max_age`)."""
    return URLSafeTimedSerializer(_checked(key), salt=purpose, signer_kwargs=_SIGNER)


@lru_cache(maxsize=32)
def signer(key: bytes, purpose: str) -> Signer:
    """A bare signature of a string (`get_signature`, `verify_signature`)."""
    return Signer(_checked(key), salt=purpose, sep=".", **_SIGNER)
