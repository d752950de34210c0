"""Engines and sessions: SQLite in WAL mode by default, PostgreSQL for scale."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from seatplan.store import deadline
from seatplan.store.prepared import Reader

#: How long SQLite waits for another writer before giving up.
SQLITE_BUSY_MS = 30_000
#: Pooled SQLite connections. Connections are opened lazily, so an idle process holds few;
#: under load every thread of the server's pool (40, anyio's default) can keep one instead
#: of opening and closing an overflow connection (four PRAGMAs each time) per request.
SQLITE_POOL_SIZE = 40
SQLITE_POOL_OVERFLOW = 10


class Database:
    """One engine and its sessions. `writing()` opens a transaction that will write."""

    def __init__(
        self, url: str, *, session_info: Mapping[str, Any] | None = None, **engine_options: Any
    ) -> None:
        """`session_info` starts every session's `Session.info` (a command line's actor)."""
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        info = dict(session_info or {})
        self._reads = sessionmaker(self.engine, expire_on_commit=False, info=info)
        # A snapshot on PostgreSQL: every statement sees the same committed state (READ
        # COMMITTED, the default, starts a new one per statement). SQLite's read
        # transaction already is one, from its first read; in WAL mode no writer waits for it.
        snapshots = self.engine
        if not self.is_sqlite:
            snapshots = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        self._snapshots = sessionmaker(snapshots, expire_on_commit=False, info=info)
        # On SQLite a writing transaction takes the write lock at BEGIN: a reader that
        # later wants to write could otherwise fail with "database is locked".
        self._writes = sessionmaker(
            self.engine.execution_options(seatplan_writes=True), expire_on_commit=False, info=info
        )

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reads() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction that sees one state of the database throughout, for
        long reads (previews) that must agree with themselves and block no writer."""
        with self._snapshots() as session, session.begin():
            yield session

    @contextmanager
    def prepared(self) -> Iterator[Reader]:
        """A read-only transaction on a pooled driver connection, for `store.prepared` reads.

        Neither ORM session nor Core connection: on a point read each costs more than
        the queries (see `store.prepared`).
        """
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.is_sqlite:
                # The driver is in autocommit mode (see `_on_connect`): one snapshot for
                # every query of the read takes an explicit BEGIN, as `reading()` issues.
                cursor.execute("BEGIN")
            elif (limit := deadline.remaining_ms()) is not None:
                cursor.execute(f"SET LOCAL statement_timeout = {limit}")
            yield Reader(cursor, self.engine)
            cursor.close()
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction committed on success and rolled back on any error."""
        with self._writes() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        if _is_file(url):
            options = {
                "pool_size": SQLITE_POOL_SIZE,
                "max_overflow": SQLITE_POOL_OVERFLOW,
                **options,
            }
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
            **options,
        )
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **options)

    @event.listens_for(engine, "begin")
    def _time_limit(connection: Connection) -> None:
        # Within a request only: the worker's batches and the command line have no limit.
        if (limit := deadline.remaining_ms()) is not None:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit}")

    return engine


def _is_file(url: str) -> bool:
    """A database file (pooled), not an in-memory database (one connection per thread)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return database not in ("", ":memory:") and parsed.query.get("mode") != "memory"


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # Cancels a statement of a request past its deadline (none outside requests).
        dbapi_connection.set_progress_handler(deadline.passed, deadline.SQLITE_CHECK_EVERY)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get("seatplan_writes", False)
        if writes:
            _bound_lock_wait(connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _bound_lock_wait(connection: Connection) -> None:
    """Within a request, wait for another writer only as long as the request has left.

    The progress handler cancels statements, not the wait for the write lock at BEGIN
    IMMEDIATE; without this a request would wait SQLITE_BUSY_MS whatever its limit. The
    value is kept per pooled connection so that a connection a request used does not
    pass its short wait on to the worker.
    """
    limit = deadline.remaining_ms()
    wanted = SQLITE_BUSY_MS if limit is None else min(limit, SQLITE_BUSY_MS)
    info = connection.connection.info
    if info.get("busy_timeout_ms", SQLITE_BUSY_MS) != wanted:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wanted}")
        info["busy_timeout_ms"] = wanted
