"""Fixtures shared by every test: databases on SQLite and, where there is one, PostgreSQL.

Each test gets a fresh database copied from a template that was migrated and seeded
with the built-in catalog once per run: on SQLite a file copy, on PostgreSQL
`CREATE DATABASE … TEMPLATE …`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from seatplan.services import setup
from seatplan.store.db import Database

#: The server used for PostgreSQL tests; a database of its own is made for each run.
PG_ADMIN_URL = os.environ.get(
    "SEATPLAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("SEATPLAN_TEST_REQUIRE_POSTGRES") == "1"


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure means: no usable server here
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


class _Templates:
    """Lazily built template databases, one per backend, dropped at the end of the run."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite: Path | None = None
        self.pg: str | None = None
        self.pg_databases: list[str] = []

    def sqlite_url(self) -> str:
        if self.sqlite is None:
            self.sqlite = self.tmp / "template.db"
            db = Database(f"sqlite:///{self.sqlite}")
            setup.initialize(db)
            db.dispose()
        target = self.tmp / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.sqlite, target)
        return f"sqlite:///{target}"

    def pg_url(self) -> str:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if self.pg is None:
                    self.pg = f"seatplan_tpl_{uuid.uuid4().hex[:12]}"
                    connection.execute(text(f'CREATE DATABASE "{self.pg}"'))
                    self.pg_databases.append(self.pg)
                    db = Database(self._url(self.pg))
                    setup.initialize(db)
                    db.dispose()
                name = f"seatplan_t_{uuid.uuid4().hex[:12]}"
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg}"'))
                self.pg_databases.append(name)
        finally:
            admin.dispose()
        return self._url(name)

    @staticmethod
    def _url(name: str) -> str:
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.pg_databases:
            return
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in reversed(self.pg_databases):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("databases"))
    yield templates
    templates.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, _templates: _Templates) -> str:
    """A fresh, migrated database with the built-in catalog, on each backend."""
    if request.param == "sqlite":
        return _templates.sqlite_url()
    problem = _pg_reachable()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"SEATPLAN_TEST_REQUIRE_POSTGRES=1 but PostgreSQL is unusable: {problem}")
        pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL} ({problem}); set SEATPLAN_TEST_POSTGRES_URL")
    return _templates.pg_url()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(_templates: _Templates) -> Iterator[Database]:
    """A fresh SQLite database, for tests about the default setup only."""
    database = Database(_templates.sqlite_url())
    yield database
    database.dispose()
