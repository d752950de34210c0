"""Faults of the database that no request caused, and what to tell the caller about them.

A read-only database file, a full disk and a lost connection are not bugs: the API and
the portal answer 503 with the reason and the process goes on; `/readyz` reports the last
one seen. Errors come wrapped by SQLAlchemy or, from the raw cursor of `store.prepared`,
straight from the driver: both are recognised.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

READ_ONLY = "The database is read-only: Seatplan cannot write to it."
FULL = "No space left on device: the database cannot grow."
UNREACHABLE = "The database cannot be reached; try again later."
BUSY = "The database is busy with another change; try again shortly."
TOO_SLOW = (
    "The query took too long and was cancelled (SEATPLAN_STATEMENT_TIMEOUT_SECONDS): "
    "ask for less (a filter, a smaller $top) or try again later."
)


class NotSetUp(RuntimeError):
    """The database lacks what setting it up writes (`seatplan db upgrade`): not a bug."""


def read_only(connection: Connection) -> bool:
    """Whether this database refuses writes: a SQLite file (or its folder) this process
    may not write, or opened `mode=ro`; a PostgreSQL session that is read-only."""
    url = connection.engine.url
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    if url.query.get("mode") == "ro" or not url.database or url.database == ":memory:":
        return url.query.get("mode") == "ro"
    path = Path(url.database)
    # WAL mode writes `-wal` and `-shm` files beside the database: the folder counts too.
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def database_errors() -> tuple[type[Exception], ...]:
    """What the API and the portal turn into a 503 when `unavailable` names a reason.

    psycopg's errors only once psycopg is loaded (SQLAlchemy loads it with a PostgreSQL
    engine): a process on SQLite never imports it (about 11 MB), and raises none of them.
    """
    return (DBAPIError, NotSetUp, *_driver_errors())


def _driver_errors() -> tuple[type[Exception], ...]:
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


#: PostgreSQL SQLSTATEs: read_only_sql_transaction, disk_full, query_canceled, admin/crash
#: shutdown and cannot_connect_now; class 08 is "connection exception".
_PG_READ_ONLY = "25006"
_PG_FULL = "53100"
_PG_CANCELED = "57014"
_PG_LOCK_NOT_AVAILABLE = "55P03"
_PG_GONE = frozenset({"57P01", "57P02", "57P03"})

_last: tuple[float, str] | None = None


def unavailable(error: BaseException) -> str | None:
    """Why the database cannot serve now (and remember it), or None for any other error."""
    reason = _reason(error)
    # A cancelled slow query or a busy writer says nothing of the database's health:
    # /readyz ignores them.
    if reason is not None and reason not in (TOO_SLOW, BUSY):
        global _last  # one note per process, replaced whole: safe across threads
        _last = (time.monotonic(), reason)
    return reason


def recent(seconds: float) -> str | None:
    """The reason of the last fault seen by this process within `seconds`, if any."""
    last = _last
    if last is None or time.monotonic() - last[0] > seconds:
        return None
    return last[1]


def _reason(error: BaseException) -> str | None:
    if isinstance(error, NotSetUp):
        return str(error)
    invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
    original = error.orig if isinstance(error, DBAPIError) else error
    if not isinstance(original, _driver_errors()):
        return None
    text = str(original).lower()
    sqlstate = getattr(original, "sqlstate", None) or ""
    sqlite_name = getattr(original, "sqlite_errorname", None) or ""
    # SQLite: interrupted by the deadline's progress handler; PostgreSQL: query_canceled
    # by statement_timeout.
    if sqlite_name == "SQLITE_INTERRUPT" or sqlstate == _PG_CANCELED:
        return TOO_SLOW
    # SQLite: another writer held the lock for the whole wait (bounded by the request's
    # time limit, see store.db); PostgreSQL: lock_not_available.
    if sqlite_name.startswith("SQLITE_BUSY") or sqlstate == _PG_LOCK_NOT_AVAILABLE:
        return BUSY
    if "database is locked" in text:
        return BUSY
    if sqlite_name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return READ_ONLY
    if sqlstate == _PG_READ_ONLY:
        return READ_ONLY
    if sqlite_name == "SQLITE_FULL" or sqlstate == _PG_FULL or "disk is full" in text:
        return FULL
    if "no space left on device" in text:
        return FULL
    if invalidated or sqlstate in _PG_GONE or sqlstate.startswith("08"):
        return UNREACHABLE
    # psycopg: a broken connection is an OperationalError without a SQLSTATE.
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(original, psycopg.OperationalError) and not sqlstate:
        return UNREACHABLE
    return None
